"""What several commands share: the target options (``--secret``, ``--ssm``) and "then roll"."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from lambda_bootstrap.errors import BootstrapError

from ..console import Console

__all__ = ["Commands", "add_target_options", "then_roll"]

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


def then_roll(stage_name: str, settings_file: str | None, console: Console) -> int:
    """``--roll`` after a write that landed: roll, and if the roll fails say the write stands and how to finish."""
    from .roll import roll

    try:
        return roll(stage_name, settings_file=settings_file, console=console)
    except BootstrapError as exc:
        console.note(f"error: the write is complete, but the stage was not rolled: {exc}")
        console.note(f"  finish with: lambda-bootstrap roll {stage_name}")
        return EXIT_PARTIAL
