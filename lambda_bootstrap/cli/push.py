"""``push <stage> --from .env.<stage>``: write a stage's values to AWS, showing the plan first.

Order matters for "bad input changes nothing": the .env is parsed and every
key checked, then AWS is read, then the plan is shown and confirmed, and only
then is anything written. Keys only in AWS are reported and kept unless
``--prune``: a push from an incomplete file must not delete a production key.
"""

from __future__ import annotations

from .aws import Aws
from .console import Console
from .dotenv import read_dotenv
from .errors import ToolError
from .plan import compare
from .stage import load_stage
from .target import choose_target

__all__ = ["push"]


def push(
    stage_name: str,
    dotenv: str,
    *,
    secret: str | None = None,
    yes: bool = False,
    dry_run: bool = False,
    prune: bool = False,
    settings_file: str | None = None,
    console: Console,
) -> int:
    stage = load_stage(stage_name, settings_file)
    target = choose_target(stage, secret)
    desired = target.desired(read_dotenv(dotenv), dotenv)
    if not dry_run and not yes and not console.interactive():
        raise ToolError("refusing to push without confirmation: stdin is not a terminal; pass --yes (or --dry-run)")
    aws = Aws(stage.region, stage.bootstrap.max_attempts)
    plan = compare(target.label, target.current(aws), desired)
    for line in plan.lines(dotenv, prune=prune):
        console.say(line)
    if not plan.writes(prune):
        console.say("nothing to push")
        return 0
    if dry_run:
        console.say("dry run: nothing written")
        return 0
    if not yes and not console.confirm(f"{plan.counts(prune)} in {target.label} ({stage.region})?"):
        console.say("not confirmed: nothing written")
        return 1
    target.apply(aws, plan, desired, console, prune)
    console.say(f"pushed to {target.label}: {plan.counts(prune, done=True)}")
    return 0
