"""The one way the tool writes a stage's values: validate, show the plan, confirm, write.

``push`` (from a .env file), ``migrate`` (from the stage's SSM path) and
``unset`` (named keys) differ only in where the new values come from; what is
refused, what is shown, what is asked and what is written is the same, and so
is "bad input changes nothing": the stage's rules (:mod:`.validation`) and the
target's limits (64 KB) are checked before the question, and nothing is
written before the answer. A write a secret target has to re-apply on another
writer's version is judged again, by the same rules, before it is tried.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lambda_bootstrap.errors import SourceNotFoundError
from lambda_bootstrap.merge import Entry
from lambda_bootstrap.sources import sources_for

from .aws import Aws
from .change import Change
from .console import Console
from .plan import Plan, compare
from .stage import Stage
from .target import Target
from .validation import refuse_write

__all__ = ["NOTHING_TO_WRITE", "other_entries", "write_values"]

NOTHING_TO_WRITE = -1  # the target already holds every value: no question asked, nothing written


def other_entries(stage: Stage, target_label: str, aws: Aws, replaced: str | None = None) -> list[Entry]:
    """What the stage's other sources produce today, through the cold start's own fetch path.

    A source that does not exist yet (a first push) produces nothing; ``replaced`` (the label
    of a source these values move out of, for ``migrate``) is left out. Anything else AWS
    says stops the write, as any read does.
    """
    entries: list[Entry] = []
    for source in sources_for(stage.bootstrap, stage.root):
        if source.label in {target_label, replaced}:
            continue
        try:
            entries.extend(aws.fetch([source]))
        except SourceNotFoundError:
            continue
    return entries


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
    removing: frozenset[str] = frozenset(),
    file: str | None = None,
) -> int:
    """0 written (or a dry run), 1 not confirmed, NOTHING_TO_WRITE when AWS already holds it all.

    ``removing``: keys to delete whatever ``desired`` says (``unset``), the others kept.
    ``file``: the .env file the values come from, if any (named when a write's outcome is unknown).
    """
    current = target.current(aws)
    if removing:
        desired = {key: value for key, value in current.items() if key not in removing}
        prune = True
    plan: Plan = compare(target.label, current, desired)
    for line in plan.lines(origin, prune=prune):
        console.say(line)
    if not plan.writes(prune):
        return NOTHING_TO_WRITE
    after = target.after(plan, desired, prune)
    others = other_entries(stage, target.label, aws, replaces)

    def refuse(held: Mapping[str, str], result: Mapping[str, Any], notes: Console) -> None:
        """The stage's rules and the target's limits, for what the target would hold instead of ``held``."""
        before = {**stage.environment, **{entry.key: entry.value for entry in others}, **held}
        refuse_write(stage, target, before, result, others, desired, origin, notes)
        target.prepare(result, notes)

    refuse(current, after, console)
    if dry_run:
        console.say("dry run: nothing written")
        return 0
    if not yes and not console.confirm(f"{plan.counts(prune)} in {target.label} ({stage.region})?"):
        console.say("not confirmed: nothing written")
        return 1
    change = Change(
        stage=stage.name,
        origin=origin,
        file=file,
        plan=plan,
        desired=desired,
        prune=prune,
        after=after,
        recheck=lambda held, result: refuse(held, result, console.muted()),
        kms_key=stage.options.get("kms_key"),
    )
    target.apply(aws, change, console)
    console.say(f"wrote to {target.label} from {origin}: {plan.counts(prune, done=True)}")
    return 0
