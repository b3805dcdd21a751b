"""The tool's commands, one module each; each registers its own parser and the function that runs it.

A command module has ``register(commands, common)``: it adds its subparser
(``common`` holds the stage, ``--settings`` and ``--timeout`` every command
takes) and sets ``run`` to a function of ``(args, console)`` returning the exit
status. Heavy imports wait until the command runs.
"""

from __future__ import annotations

import argparse
import importlib

from .shared import Commands

__all__ = ["COMMANDS", "register_all"]

# In the order `lambda-bootstrap --help` lists them: a stage's life cycle.
COMMANDS = (
    "init",
    "push",
    "diff",
    "unset",
    "migrate",
    "history",
    "rollback",
    "check",
    "roll",
    "policy",
    "manifest",
    "exec",
)


def register_all(commands: Commands, common: argparse.ArgumentParser) -> None:
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(commands, common)
