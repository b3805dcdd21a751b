"""The one way the tooling writes a stage's values: validate, show the plan, confirm, write.

``push`` (from a .env file) and ``migrate`` (from the stage's SSM path) differ
only in where the values come from; what is refused, what is shown, what is
asked and what is written is the same, and so is "bad input changes nothing":
the stage's rules and the target's limits (64 KB) are checked before the
question, and nothing is written before the answer.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import SourceNotFoundError
from ..sources import sources_for
from .aws import Aws
from .console import Console
from .plan import Plan, compare
from .push_rules import validate_push
from .stage import Stage
from .target import Target

__all__ = ["NOTHING_TO_WRITE", "write_values"]


def _other_sources(stage: Stage, target: Target, aws: Aws, replaced: str | None) -> dict[str, str]:
    """Each key the stage's other sources produce today, by the label of its source.

    Read through the cold start's own fetch path; a source that does not exist yet (a first
    push) produces nothing. Anything else AWS says stops the push, as any read does.
    """
    produced: dict[str, str] = {}
    for source in sources_for(stage.bootstrap, stage.root):
        if source.label in {target.label, replaced}:
            continue
        try:
            entries = aws.fetch([source])
        except SourceNotFoundError:
            continue
        produced.update({entry.key: source.label for entry in entries})
    return produced


NOTHING_TO_WRITE = -1  # the target already holds every value: no question asked, nothing written


def write_values(
    stage: Stage,
    target: Target,
    aws: Aws,
    desired: Mapping[str, str],
    origin: str,
    *,
    yes: bool,
    dry_run: bool,
    prune: bool,
    console: Console,
    replaces: str | None = None,
) -> int:
    """0 written (or a dry run), 1 not confirmed, NOTHING_TO_WRITE when AWS already holds it all.

    ``replaces``: the label of a source these values move out of (``migrate``): its keys are not
    counted as another producer.
    """
    current = target.current(aws)
    plan: Plan = compare(target.label, current, desired)
    validate_push(stage, target, current, desired, plan, prune, origin, _other_sources(stage, target, aws, replaces))
    for line in plan.lines(origin, prune=prune):
        console.say(line)
    if not plan.writes(prune):
        return NOTHING_TO_WRITE
    target.prepare(plan, desired, console, prune)
    if dry_run:
        console.say("dry run: nothing written")
        return 0
    if not yes and not console.confirm(f"{plan.counts(prune)} in {target.label} ({stage.region})?"):
        console.say("not confirmed: nothing written")
        return 1
    target.apply(aws, plan, desired, console, prune)
    console.say(f"wrote to {target.label} from {origin}: {plan.counts(prune, done=True)}")
    return 0
