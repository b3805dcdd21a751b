"""What several commands share: the target options (``--secret``, ``--ssm``), "then roll", counts."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from lambda_bootstrap.errors import BootstrapError

from ..console import Console
from ..errors import ToolError, reason
from ..journal import outcome_unknown

__all__ = [
    "Commands",
    "add_target_options",
    "add_write_options",
    "refuse_unconfirmable",
    "roll_after",
    "then_roll",
    "whole_number",
]

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


def refuse_unconfirmable(verb: str, *, yes: bool, dry_run: bool, console: Console) -> None:
    """A write that could not ask (stdin is no terminal) and was not told ``--yes``: refused before any AWS call."""
    if not dry_run and not yes and not console.interactive():
        raise ToolError(f"refusing to {verb} without confirmation: stdin is not a terminal; pass --yes (or --dry-run)")


def roll_after(code: int, args: argparse.Namespace, console: Console) -> int:
    """A writing command's exit status, after ``--roll`` when the write landed (a dry run rolls nothing)."""
    if code != 0 or not getattr(args, "roll", False) or args.dry_run:
        return code
    return then_roll(args.stage, args.settings, console)


def then_roll(stage_name: str, settings_file: str | None, console: Console) -> int:
    """``--roll`` after a write that landed: roll, and if the roll fails (or is interrupted) say the write stands
    and how to finish (rolling again is harmless: a stage already rolled says so)."""
    from .roll import roll

    try:
        return roll(stage_name, settings_file=settings_file, console=console)
    except (BootstrapError, KeyboardInterrupt) as exc:
        rolled = "may not be rolled" if outcome_unknown(exc) else "was not rolled"
        console.note(f"error: the write is complete, but the stage {rolled}: {reason(exc)}")
        console.note(f"  finish with: lambda-bootstrap roll {stage_name}")
        return EXIT_PARTIAL


def whole_number(text: str) -> int:
    """An option's value of 1 or more (argparse ``type``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value
