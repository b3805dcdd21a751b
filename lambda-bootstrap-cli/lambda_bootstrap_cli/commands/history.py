"""``history <stage>``: the bundle's (or a secret's) versions, newest first, and which keys each one changed.

The backup the seed asks for is already there: Secrets Manager keeps each
write as a version (labelled ones always; those without a label for at least
24 hours, up to about a hundred). This lists them: id, date, staging labels,
and the keys added, removed or changed against the version before it, by name
only. Values are read into memory to be compared and never shown, not even as
a digest. ``rollback`` makes one of them current again.

A version with no label that never was AWSCURRENT is listed too: a write that
lost a race left it (:mod:`..secret_write`); readers never load it.
"""

from __future__ import annotations

import argparse
import datetime

from lambda_bootstrap.errors import BootstrapError

from ..aws import Aws
from ..console import Console
from ..plan import compare
from ..secret_versions import SecretRead, VersionEntry, list_versions, read_version
from ..stage import load_stage
from ..target import JsonSecretTarget, as_text, choose_secret_target
from . import shared
from .shared import Commands

__all__ = ["history", "register"]

DEFAULT_LIMIT = 10


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "history", parents=[common], help="the bundle's (or a secret's) versions and the keys each changed, by name"
    )
    parser.add_argument("--secret", metavar="NAME", help="a secret of the stage instead of its bundle")
    parser.add_argument(
        "--limit",
        type=shared.whole_number,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"newest N versions (default {DEFAULT_LIMIT})",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    return history(args.stage, secret=args.secret, limit=args.limit, settings_file=args.settings, console=console)


def history(
    stage_name: str,
    *,
    secret: str | None = None,
    limit: int = DEFAULT_LIMIT,
    settings_file: str | None = None,
    console: Console,
) -> int:
    stage = load_stage(stage_name, settings_file)
    target = choose_secret_target(stage, secret, "history")
    aws = Aws(stage.region, stage.bootstrap.max_attempts)
    listed = _chronological(list_versions(aws, target.secret_id, target.label))
    shown = listed[-(limit + 1) :]  # one more than shown: the oldest shown is compared with the one before it
    versions = sorted(
        (read_version(aws, target.secret_id, target.label, entry.version_id) for entry in shown),
        key=lambda version: _when(version.created),
    )
    console.say(
        f"{target.label}: {len(listed)} version(s) kept, newest first"
        + (f" (the {limit} newest)" if len(listed) > limit else "")
    )
    earlier_kept = len(listed) > len(versions)
    for index in range(len(versions) - 1, max(len(versions) - 1 - limit, -1), -1):
        version = versions[index]
        labels = ", ".join(version.stages) or "no label"
        date = version.created.isoformat(timespec="seconds") if version.created else "date unknown"
        before = versions[index - 1] if index else None
        console.say(f"  {version.version_id}  {date}  [{labels}]")
        console.say(f"      {_changes(target, before, version, more=earlier_kept)}")
    console.say("rollback: lambda-bootstrap rollback " + stage.name + target.selector + " [--to VERSION]")
    return 0


def _chronological(entries: list[VersionEntry]) -> list[VersionEntry]:
    """Oldest first by CreatedDate, as listed where dates tie (moto dates every listed version "now")."""
    return [entry for _, entry in sorted(enumerate(entries), key=lambda item: (_when(item[1].created), item[0]))]


def _when(created: datetime.datetime | None) -> datetime.datetime:
    return created or datetime.datetime.min.replace(tzinfo=datetime.UTC)


def _changes(target: JsonSecretTarget, before: SecretRead | None, version: SecretRead, *, more: bool) -> str:
    """The keys ``version`` added, changed and removed against ``before``, by name."""
    try:
        fields = {key: as_text(value) for key, value in target.fields(version).items()}
    except BootstrapError:
        return "not a JSON object this tool reads: keys not compared"
    if before is None:
        return ("earliest kept: " if more else "first version: ") + (", ".join(sorted(fields)) or "no key")
    try:
        previous = {key: as_text(value) for key, value in target.fields(before).items()}
    except BootstrapError:
        return "the version before it is not a JSON object this tool reads: keys not compared"
    plan = compare(target.label, previous, fields)
    parts = [
        f"{what}: {', '.join(keys)}"
        for what, keys in (("added", plan.added), ("changed", plan.changed), ("removed", plan.removed))
        if keys
    ]
    return "; ".join(parts) or "no key changed"
