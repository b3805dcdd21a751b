"""``unset <stage> KEY [KEY...]``: delete named keys from the stage's bundle (or SSM path, or a secret).

The repair path: it works on a target that holds what the cold start refuses
(a reserved key, a NUL in a value, a key no longer wanted), since it reads the
target leniently and judges only what the stage would hold afterwards. Same
plan, question and write as ``push``.
"""

from __future__ import annotations

import argparse

from ..aws import Aws
from ..console import Console
from ..stage import load_stage
from ..target import choose_target
from ..writing import NOTHING_TO_WRITE, write_values
from . import shared
from .shared import Commands

__all__ = ["register", "unset"]


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "unset", parents=[common], help="delete named keys from the stage's bundle (or SSM path, or a secret)"
    )
    parser.add_argument("keys", nargs="+", metavar="KEY", help="a key to delete")
    shared.add_target_options(parser, "delete from")
    shared.add_write_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    code = unset(
        args.stage,
        args.keys,
        secret=args.secret,
        ssm=args.ssm,
        yes=args.yes,
        dry_run=args.dry_run,
        settings_file=args.settings,
        console=console,
    )
    return shared.roll_after(code, args, console)


def unset(
    stage_name: str,
    keys: list[str],
    *,
    secret: str | None = None,
    ssm: bool = False,
    yes: bool = False,
    dry_run: bool = False,
    settings_file: str | None = None,
    console: Console,
) -> int:
    stage = load_stage(stage_name, settings_file)
    target = choose_target(stage, secret, ssm)
    shared.refuse_unconfirmable("unset", yes=yes, dry_run=dry_run, console=console)
    aws = Aws(stage.region, stage.bootstrap.max_attempts)
    code = write_values(
        stage,
        target,
        aws,
        {},
        "the command line",
        yes=yes,
        dry_run=dry_run,
        prune=True,
        console=console,
        removing=frozenset(keys),
    )
    if code == NOTHING_TO_WRITE:
        console.say(f"nothing to unset: {target.label} holds none of {', '.join(sorted(set(keys)))}")
        return 0
    return code
