"""``rollback <stage> [--to VERSION]``: make an earlier version of the bundle (or a secret) current again.

No value is written: AWSCURRENT moves back to a version Secrets Manager kept
(``history`` lists them; AWSPREVIOUS by default), through the same
compare-and-swap as every write (:mod:`..swap`), so a rollback never undoes a
write it did not see: if the version it read is no longer current, it stops
(exit 4) and rolls back nothing. Before that, the version is judged as any
write is (:mod:`..writing`): a version holding what the cold start refuses
(a reserved key, a NUL), or that would lose a required key, is refused. The
plan, the question, ``--dry-run`` and ``--roll`` are push's.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

from lambda_bootstrap.dotenv import DotenvEntry
from lambda_bootstrap.merge import Entry

from ..aws import Aws
from ..change import Change
from ..console import Console
from ..errors import ConcurrentWriteError, ToolError
from ..plan import Plan
from ..secret_versions import PREVIOUS, SecretRead, describe_secret, holder, read_version, version_stages
from ..stage import load_stage
from ..swap import swap_current
from ..target import JsonSecretTarget, as_text, choose_secret_target
from ..writing import NOTHING_TO_WRITE, write_values
from . import shared
from .shared import Commands

__all__ = ["register", "rollback"]


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "rollback", parents=[common], help="make an earlier version of the bundle (or a secret) current again"
    )
    parser.add_argument("--secret", metavar="NAME", help="a secret of the stage instead of its bundle")
    parser.add_argument("--to", metavar="VERSION", help="the version to make current (default: AWSPREVIOUS)")
    shared.add_write_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    code = rollback(
        args.stage,
        secret=args.secret,
        to=args.to,
        yes=args.yes,
        dry_run=args.dry_run,
        settings_file=args.settings,
        console=console,
    )
    return shared.roll_after(code, args, console)


def rollback(
    stage_name: str,
    *,
    secret: str | None = None,
    to: str | None = None,
    yes: bool = False,
    dry_run: bool = False,
    settings_file: str | None = None,
    console: Console,
) -> int:
    stage = load_stage(stage_name, settings_file)
    target = choose_secret_target(stage, secret, "rollback")
    shared.refuse_unconfirmable("roll back", yes=yes, dry_run=dry_run, console=console)
    aws = Aws(stage.region, stage.bootstrap.max_attempts)
    version = read_version(aws, target.secret_id, target.label, to or _previous(aws, target))
    desired = {key: as_text(value) for key, value in target.fields(version).items()}
    origin = f"version {version.version_id}"
    code = write_values(
        stage, _Earlier(target, version), aws, desired, origin, yes=yes, dry_run=dry_run, prune=True, console=console
    )
    if code == NOTHING_TO_WRITE:
        console.say(f"nothing to roll back: the current version of {target.label} holds what {origin} holds")
        return 0
    return code


def _previous(aws: Aws, target: JsonSecretTarget) -> str:
    previous = holder(version_stages(describe_secret(aws, target.secret_id, target.label)), PREVIOUS)
    if previous is None:
        raise ToolError(f"{target.label} has no {PREVIOUS} version: name one with --to (history lists them)")
    return previous


class _Earlier:
    """The secret, written by making ``version`` current again: no new version, no value sent."""

    def __init__(self, target: JsonSecretTarget, version: SecretRead) -> None:
        self.target, self.version = target, version
        self.label, self.selector = target.label, target.selector

    def desired(self, entries: Sequence[DotenvEntry], file: str) -> dict[str, str]:
        raise ToolError("internal: a rollback reads no file")

    def current(self, aws: Aws) -> dict[str, str]:
        return self.target.current(aws)

    def after(self, plan: Plan, desired: Mapping[str, str], prune: bool) -> dict[str, Any]:
        return self.target.fields(self.version)  # exactly what the version holds, types included

    def entries(self, after: Mapping[str, Any]) -> list[Entry]:
        return self.target.entries(after)

    def prepare(self, after: Mapping[str, Any], console: Console) -> None:
        self.target.prepare(after, console)

    def apply(self, aws: Aws, change: Change, console: Console) -> None:
        read, wanted = self.target.read, str(self.version.version_id)
        winner = swap_current(aws, read, wanted, change.find_out(self.selector, history=True))
        if winner is not None:
            raise ConcurrentWriteError(
                f"{self.label}: another write made version {winner.version_id} current after this rollback read "
                f"version {read.version_id}; nothing rolled back. Look at `lambda-bootstrap history {change.stage}"
                f"{self.selector}`, then roll back again if you still want {wanted}"
            )
        console.note(f"  [1/1] made version {wanted} current in {self.label} (it was {read.version_id})")
