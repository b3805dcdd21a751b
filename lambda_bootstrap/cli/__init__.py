"""``python -m lambda_bootstrap``: push, diff and check a stage's configuration; its IAM policy.

A plain argparse CLI, not a Django management command: it must run before
Django can start (the prod settings need the very values ``push`` writes) and
needs neither ``DJANGO_SETTINGS_MODULE`` nor a database. It reads the stage
from zappa_settings.json and derives paths and secret ids with the
bootstrap's own code, so what it writes is what the cold start reads.

Exit status: 0 success (``diff``: no difference), 1 a difference or a failed
check (or a push not confirmed), 2 bad input or an AWS call denied or
unreachable (nothing changed; one line naming the endpoint, profile, resource,
action and, when refused, the caller's identity), 3 a push that stopped midway
(it lists the keys written and not written).

Nothing here is imported by the bootstrap itself: the cold path stays small.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from ..errors import BootstrapError
from .aws import DEFAULT_TIMEOUT, TIMEOUT_VARIABLE, call_settings, using_call_settings
from .console import Console
from .errors import PushInterruptedError

__all__ = ["main"]

EXIT_OK, EXIT_DIFFERS, EXIT_ERROR, EXIT_PARTIAL = 0, 1, 2, 3


def main(argv: Sequence[str] | None = None, console: Console | None = None) -> int:
    console = console or Console()
    args = _parser().parse_args(argv)
    try:
        with using_call_settings(call_settings(args.timeout, os.environ, console.note)):
            return _run(args, console)
    except PushInterruptedError as exc:
        console.note(f"error: {exc}")
        return EXIT_PARTIAL if exc.written else EXIT_ERROR  # nothing written: like any refused call
    except BootstrapError as exc:
        console.note(f"error: {exc}")
        for note in getattr(exc, "__notes__", ()):
            console.note(f"  {note}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        console.note("interrupted: nothing written")
        return EXIT_ERROR
    except Exception as exc:  # the last net under AWS's client library: one line, never a traceback
        if not type(exc).__module__.startswith(("botocore", "boto3")):
            raise
        console.note(f"error: the AWS client failed ({type(exc).__name__}); nothing was changed by this call")
        return EXIT_ERROR


def _run(args: argparse.Namespace, console: Console) -> int:
    if args.command == "push":
        from .push import push

        code = push(
            args.stage,
            args.dotenv,
            secret=args.secret,
            yes=args.yes,
            dry_run=args.dry_run,
            prune=args.prune,
            settings_file=args.settings,
            console=console,
        )
        if code != EXIT_OK or not args.roll or args.dry_run:
            return code
        args.command = "roll"
    if args.command == "roll":
        from .roll import roll

        return roll(args.stage, settings_file=args.settings, console=console)
    if args.command == "diff":
        from .diff import diff

        return diff(args.stage, args.dotenv, secret=args.secret, settings_file=args.settings, console=console)
    if args.command == "check":
        from .check import check

        return check(args.stage, settings_file=args.settings, console=console)
    if args.command == "policy":
        from .policy import policy

        return policy(args.stage, account=args.account, settings_file=args.settings, console=console)
    from .manifest import manifest

    return manifest(args.stage, output=args.output, settings_file=args.settings, console=console)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lambda_bootstrap",
        description="Push, diff and check a Zappa stage's SSM parameters and secrets; print its IAM policy.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("stage", help="a stage of zappa_settings.json")
    common.add_argument("--settings", metavar="PATH", help="the Zappa settings file (default: ./zappa_settings.json)")
    common.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help=f"give up on an AWS call after this long (default: ${TIMEOUT_VARIABLE}, else {DEFAULT_TIMEOUT:g})",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    push = commands.add_parser("push", parents=[common], help="write a .env file's keys to the stage's SSM path")
    push.add_argument("--from", dest="dotenv", required=True, metavar=".env.STAGE", help="the file to push")
    push.add_argument("--secret", metavar="NAME", help="write the keys as the fields of this stage secret instead")
    push.add_argument("--yes", action="store_true", help="do not ask before writing")
    push.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    push.add_argument("--prune", action="store_true", help="also delete keys that are in AWS but not in the file")
    push.add_argument("--roll", action="store_true", help="then roll the stage (see roll), so it uses the values now")

    commands.add_parser(
        "roll",
        parents=[common],
        help="make every container of the stage start over with the configuration now in AWS",
    )

    diff = commands.add_parser("diff", parents=[common], help="key names that differ between a .env file and AWS")
    diff.add_argument("--against", dest="dotenv", required=True, metavar=".env.STAGE", help="the file to compare")
    diff.add_argument("--secret", metavar="NAME", help="compare with this stage secret's fields instead")

    commands.add_parser("check", parents=[common], help="required keys, value types and the role's policy")

    policy = commands.add_parser("policy", parents=[common], help="print the stage's least-privilege IAM policy")
    policy.add_argument(
        "--account", default="*", type=_account, help="the 12-digit AWS account id to put in ARNs (default: *)"
    )

    manifest = commands.add_parser("manifest", parents=[common], help="write the stage's SSM parameter names")
    manifest.add_argument(
        "--output", metavar="PATH", help="file to write ('-': stdout; default: BOOTSTRAP_SSM_MANIFEST)"
    )
    return parser


def _account(value: str) -> str:
    if value == "*" or (len(value) == 12 and value.isdigit()):
        return value
    raise argparse.ArgumentTypeError("an AWS account id is 12 digits (or * for any)")
