"""``push <stage> --from .env.<stage>``: write a stage's values to AWS, showing the plan first.

Order matters for "bad input changes nothing": the .env is parsed and every
key checked, then AWS is read, then the plan is shown, the stage's rules are
applied to what it would hold afterwards (:mod:`..validation`), and only after
the question is anything written. Keys only in AWS are reported and kept
unless ``--prune``: a push from an incomplete file must not delete a
production key.
"""

from __future__ import annotations

import argparse

from lambda_bootstrap.dotenv import read_dotenv
from lambda_bootstrap.errors import BootstrapError

from ..aws import Aws
from ..console import Console
from ..stage import Stage, load_stage
from ..target import choose_target
from ..validation import RDS_FIELDS
from ..writing import NOTHING_TO_WRITE, write_values
from . import shared
from .shared import Commands

__all__ = ["push", "register"]


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "push", parents=[common], help="write a .env file's keys to the stage's bundle (or SSM path, or a secret)"
    )
    parser.add_argument("--from", dest="dotenv", required=True, metavar=".env.STAGE", help="the file to push")
    shared.add_target_options(parser, "write")
    shared.add_write_options(parser, prune="also delete keys that are in AWS but not in the file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    code = push(
        args.stage,
        args.dotenv,
        secret=args.secret,
        ssm=args.ssm,
        yes=args.yes,
        dry_run=args.dry_run,
        prune=args.prune,
        settings_file=args.settings,
        console=console,
    )
    return shared.roll_after(code, args, console)


def push(
    stage_name: str,
    dotenv: str,
    *,
    secret: str | None = None,
    ssm: bool = False,
    yes: bool = False,
    dry_run: bool = False,
    prune: bool = False,
    settings_file: str | None = None,
    console: Console,
) -> int:
    stage = load_stage(stage_name, settings_file)
    target = choose_target(stage, secret, ssm)
    entries = read_dotenv(dotenv)
    try:
        desired = target.desired(entries, dotenv)
    except BootstrapError as exc:
        hint = secret_hint(stage, [entry.key for entry in entries]) if secret is None else None
        if hint:
            exc.add_note(hint)
        raise
    shared.refuse_unconfirmable("push", yes=yes, dry_run=dry_run, console=console)
    aws = Aws(stage.region, stage.bootstrap.max_attempts)
    code = write_values(
        stage, target, aws, desired, dotenv, yes=yes, dry_run=dry_run, prune=prune, console=console, file=dotenv
    )
    if code == NOTHING_TO_WRITE:
        console.say("nothing to push")
        return 0
    return code


def secret_hint(stage: Stage, keys: list[str]) -> str | None:
    """ "did you mean --secret NAME?" when a file meant for the bundle holds a secret's fields."""
    fields = {key for key in keys if key != key.upper()}
    if not fields or not stage.bootstrap.secrets:
        return None
    rds = fields & RDS_FIELDS
    names = [s.secret_id.rsplit("/", 1)[-1] for s in stage.bootstrap.secrets]
    chosen = next((n for n in names if rds and n in {"database", "db", "rds"}), names[0])
    target = "bundle" if stage.bootstrap.bundle is not None else "SSM path"
    return f"did you mean --secret {chosen}? (lower-case keys are a secret's fields; the {target} takes KEY=value)"
