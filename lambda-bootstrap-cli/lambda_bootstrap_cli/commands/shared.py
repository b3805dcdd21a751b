"""What several commands share: the target options (``--secret``, ``--ssm``) and "then roll"."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from lambda_bootstrap.errors import BootstrapError

from ..console import Console

__all__ = ["Commands", "add_target_options", "add_write_options", "roll_after", "then_roll"]

if TYPE_CHECKING:  # what each command's register() adds itself to (generic only to type checkers)
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Commands = argparse._SubParsersAction
EXIT_PARTIAL = 3


def add_target_options(command: argparse.ArgumentParser, verb: str) -> None:
    """The target: the stage's bundle by default, else its SSM path; ``--ssm`` or ``--secret`` to choose."""
    where = command.add_mutually_exclusive_group()
    where.add_argument("--secret", metavar="NAME", help=f"{verb} the fields of this stage secret instead")
    where.add_argument("--ssm", action="store_true", help=f"{verb} the stage's SSM path even though it has a bundle")


def add_write_options(command: argparse.ArgumentParser, *, prune: str | None = None, roll: bool = True) -> None:
    """What every writing command takes: ``--yes``, ``--dry-run``, maybe ``--prune`` and ``--roll``."""
    command.add_argument("--yes", action="store_true", help="do not ask before writing")
    command.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    if prune is not None:
        command.add_argument("--prune", action="store_true", help=prune)
    if roll:
        command.add_argument(
            "--roll", action="store_true", help="then roll the stage (see roll), so it uses the values now"
        )


def roll_after(code: int, args: argparse.Namespace, console: Console) -> int:
    """A writing command's exit status, after ``--roll`` when the write landed (a dry run rolls nothing)."""
    if code != 0 or not getattr(args, "roll", False) or args.dry_run:
        return code
    return then_roll(args.stage, args.settings, console)


def then_roll(stage_name: str, settings_file: str | None, console: Console) -> int:
    """``--roll`` after a write that landed: roll, and if the roll fails say the write stands and how to finish."""
    from .roll import roll

    try:
        return roll(stage_name, settings_file=settings_file, console=console)
    except BootstrapError as exc:
        console.note(f"error: the write is complete, but the stage was not rolled: {exc}")
        console.note(f"  finish with: lambda-bootstrap roll {stage_name}")
        return EXIT_PARTIAL
