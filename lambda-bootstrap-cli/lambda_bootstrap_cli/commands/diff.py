"""``diff <stage> --against .env.<stage>``: which keys differ between a file and AWS, by name.

Exit status 1 when anything differs (added, changed or only in AWS), 0 when
equal: usable as a CI gate before ``zappa update``, and the way to find out
whether a write whose outcome was unknown landed.
"""

from __future__ import annotations

import argparse

from lambda_bootstrap.dotenv import read_dotenv

from ..aws import Aws
from ..console import Console
from ..plan import compare
from ..stage import load_stage
from ..target import choose_target
from . import shared
from .shared import Commands

__all__ = ["diff", "register"]


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("diff", parents=[common], help="key names that differ between a .env file and AWS")
    parser.add_argument("--against", dest="dotenv", required=True, metavar=".env.STAGE", help="the file to compare")
    shared.add_target_options(parser, "compare with")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    return diff(args.stage, args.dotenv, secret=args.secret, ssm=args.ssm, settings_file=args.settings, console=console)


def diff(
    stage_name: str,
    dotenv: str,
    *,
    secret: str | None = None,
    ssm: bool = False,
    settings_file: str | None = None,
    console: Console,
) -> int:
    stage = load_stage(stage_name, settings_file)
    target = choose_target(stage, secret, ssm)
    desired = target.desired(read_dotenv(dotenv), dotenv)
    plan = compare(target.label, target.current(Aws(stage.region, stage.bootstrap.max_attempts)), desired)
    for line in plan.lines(dotenv, prune=None):
        console.say(line)
    return 1 if plan.differs else 0
