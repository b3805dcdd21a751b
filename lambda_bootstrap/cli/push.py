"""``push <stage> --from .env.<stage>``: write a stage's values to AWS, showing the plan first.

Order matters for "bad input changes nothing": the .env is parsed and every
key checked, then AWS is read, then the plan is shown and confirmed, and only
then is anything written. Keys only in AWS are reported and kept unless
``--prune``: a push from an incomplete file must not delete a production key.
What AWS would refuse midway (a bundle past 64 KB) is refused after the plan,
before the question.
"""

from __future__ import annotations

from .aws import Aws
from .console import Console
from .dotenv import read_dotenv
from .errors import DotenvError, ToolError
from .push_rules import RDS_FIELDS
from .stage import Stage, load_stage
from .target import choose_target
from .writing import NOTHING_TO_WRITE, write_values

__all__ = ["push"]


def push(
    stage_name: str,
    dotenv: str,
    *,
    secret: str | None = None,
    ssm: bool = False,
    yes: bool = False,
    dry_run: bool = False,
    prune: bool = False,
    settings_file: str | None = None,
    console: Console,
) -> int:
    stage = load_stage(stage_name, settings_file)
    target = choose_target(stage, secret, ssm)
    entries = read_dotenv(dotenv)
    try:
        desired = target.desired(entries, dotenv)
    except DotenvError as exc:
        hint = secret_hint(stage, [entry.key for entry in entries]) if secret is None else None
        if hint:
            exc.add_note(hint)
        raise
    if not dry_run and not yes and not console.interactive():
        raise ToolError("refusing to push without confirmation: stdin is not a terminal; pass --yes (or --dry-run)")
    aws = Aws(stage.region, stage.bootstrap.max_attempts)
    code = write_values(stage, target, aws, desired, dotenv, yes=yes, dry_run=dry_run, prune=prune, console=console)
    if code == NOTHING_TO_WRITE:
        console.say("nothing to push")
        return 0
    return code


def secret_hint(stage: Stage, keys: list[str]) -> str | None:
    """ "did you mean --secret NAME?" when a file meant for the SSM path holds a secret's fields."""
    fields = {key for key in keys if key != key.upper()}
    if not fields or not stage.bootstrap.secrets:
        return None
    rds = fields & RDS_FIELDS
    names = [s.secret_id.rsplit("/", 1)[-1] for s in stage.bootstrap.secrets]
    chosen = next((n for n in names if rds and n in {"database", "db", "rds"}), names[0])
    where = "bundle" if stage.bootstrap.bundle is not None else "SSM path"
    return f"did you mean --secret {chosen}? (lower-case keys are a secret's fields; the {where} takes KEY=value)"
