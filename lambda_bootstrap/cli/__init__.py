"""``python -m lambda_bootstrap``: push, diff, migrate and check a stage's configuration; its IAM policy.

A plain argparse CLI, not a Django management command: it must run before
Django can start (the prod settings need the very values ``push`` writes) and
needs neither ``DJANGO_SETTINGS_MODULE`` nor a database. It reads the stage
from zappa_settings.json and derives paths and secret ids with the
bootstrap's own code, so what it writes is what the cold start reads.

Exit status: 0 success (``diff``: no difference), 1 a difference or a failed
check (or a push not confirmed), 2 bad input or an AWS call denied or
unreachable (nothing changed; one line naming the endpoint, profile, resource,
action and, when refused, the caller's identity), 3 a push that stopped midway
(it lists the keys written and not written), 4 another writer changed the
secret during the push (it says whether anything was written, and names the
keys that may be lost). ``exec`` becomes its command, whose status is then its
own; it returns 127 (not found) or 126 (not runnable) as a shell does.

Nothing here is imported by the bootstrap itself: the cold path stays small.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ..errors import BootstrapError
from .aws import DEFAULT_TIMEOUT, TIMEOUT_VARIABLE, call_settings, using_call_settings
from .console import Console
from .errors import ConcurrentWriteError, PushInterruptedError

__all__ = ["main"]

EXIT_OK, EXIT_DIFFERS, EXIT_ERROR, EXIT_PARTIAL, EXIT_CONFLICT = 0, 1, 2, 3, 4


def main(argv: Sequence[str] | None = None, console: Console | None = None) -> int:
    console = console or Console()
    from .exec import split_command

    own, command = split_command(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(own)
    args.exec_command = command
    try:
        with using_call_settings(call_settings(args.timeout, os.environ, console.note)):
            return _run(args, console)
    except PushInterruptedError as exc:
        console.note(f"error: {exc}")
        return EXIT_PARTIAL if exc.written else EXIT_ERROR  # nothing written: like any refused call
    except ConcurrentWriteError as exc:
        console.note(f"CONCURRENT WRITE: {exc}")
        return EXIT_CONFLICT
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
            ssm=args.ssm,
            yes=args.yes,
            dry_run=args.dry_run,
            prune=args.prune,
            settings_file=args.settings,
            console=console,
        )
        if code != EXIT_OK or not args.roll or args.dry_run:
            return code
        from .roll import roll

        try:
            return roll(args.stage, settings_file=args.settings, console=console)
        except BootstrapError as exc:  # the push landed: say so, and how to finish
            console.note(f"error: the push is complete, but the stage was not rolled: {exc}")
            console.note(f"  finish with: python -m lambda_bootstrap roll {args.stage}")
            return EXIT_PARTIAL
    if args.command == "roll":
        from .roll import roll

        return roll(args.stage, settings_file=args.settings, console=console)
    if args.command == "diff":
        from .diff import diff

        return diff(
            args.stage, args.dotenv, secret=args.secret, ssm=args.ssm, settings_file=args.settings, console=console
        )
    if args.command == "migrate":
        from .migrate import migrate

        return migrate(
            args.stage,
            path=args.path,
            yes=args.yes,
            dry_run=args.dry_run,
            prune=args.prune,
            settings_file=args.settings,
            console=console,
        )
    if args.command == "check":
        from .burst import BurstOptions, Quotas
        from .check import check

        quotas = Quotas.chosen(
            ssm_tps=args.ssm_tps, secrets_tps=args.secrets_tps, ssm_higher_throughput=args.ssm_higher_throughput
        )
        burst = BurstOptions(quotas, args.burst_target)
        return check(args.stage, settings_file=args.settings, burst=burst, console=console)
    if args.command == "policy":
        from .policy import policy

        return policy(
            args.stage,
            account=args.account,
            host=args.host,
            trust=args.trust,
            settings_file=args.settings,
            console=console,
        )
    if args.command == "exec":
        from .exec import exec_stage

        return exec_stage(
            args.stage,
            args.exec_command,
            stray=args.stray,
            settings_file=args.settings,
            from_environment=args.from_environment,
            overrides=args.env,
            quiet=args.quiet,
            console=console,
        )
    from .manifest import manifest

    return manifest(args.stage, output=args.output, settings_file=args.settings, console=console)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lambda_bootstrap",
        description="Push, diff and check a Zappa stage's bundle, SSM parameters and secrets; print its IAM policy.",
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

    push = commands.add_parser(
        "push", parents=[common], help="write a .env file's keys to the stage's bundle (or SSM path, or a secret)"
    )
    push.add_argument("--from", dest="dotenv", required=True, metavar=".env.STAGE", help="the file to push")
    _where(push, "write")
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
    _where(diff, "compare with")

    migrate = commands.add_parser(
        "migrate", parents=[common], help="move the stage's SSM parameters into its bundle (values stay in memory)"
    )
    migrate.add_argument("--path", metavar="/APP/STAGE/", help="the SSM path to read (default: BOOTSTRAP_SSM_PATH)")
    migrate.add_argument("--yes", action="store_true", help="do not ask before writing")
    migrate.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    migrate.add_argument("--prune", action="store_true", help="also delete bundle keys that are not in SSM")

    check = commands.add_parser(
        "check", parents=[common], help="required keys, value types, the role's policy and the burst ceiling"
    )
    check.add_argument("--ssm-tps", type=_positive, metavar="TPS", help="the account's SSM quota (default: 40)")
    check.add_argument(
        "--ssm-higher-throughput",
        action="store_true",
        help="SSM's paid higher throughput: GetParameters 3,000 TPS, GetParametersByPath 100",
    )
    check.add_argument(
        "--secrets-tps", type=_positive, metavar="TPS", help="the GetSecretValue quota (default: 10,000)"
    )
    check.add_argument(
        "--burst-target",
        type=_whole,
        metavar="N",
        help="cold starts at once the stage must serve (default: BOOTSTRAP_BURST_TARGET, if set)",
    )

    policy = commands.add_parser("policy", parents=[common], help="print the stage's least-privilege IAM policy")
    policy.add_argument(
        "--account", default="*", type=_account, help="the 12-digit AWS account id to put in ARNs (default: *)"
    )
    policy.add_argument(
        "--for", dest="host", choices=("lambda", "ec2", "ecs"), default="lambda", help="the role's host"
    )
    policy.add_argument("--trust", action="store_true", help="print the role's trust policy instead")

    manifest = commands.add_parser("manifest", parents=[common], help="write the stage's SSM parameter names")
    manifest.add_argument(
        "--output", metavar="PATH", help="file to write ('-': stdout; default: BOOTSTRAP_SSM_MANIFEST)"
    )
    run = commands.add_parser(
        "exec",
        parents=[common],
        help="load the stage's configuration, then become COMMAND (after --)",
        usage="python -m lambda_bootstrap exec STAGE [options] -- COMMAND [ARGS...]",
        description="Load the stage's configuration as its Lambda's cold start does, then replace this process "
        "with COMMAND (docs/hosts.md).",
    )
    run.add_argument("--env", action="append", default=[], metavar="BOOTSTRAP_NAME=VALUE", help="set a pointer")
    run.add_argument(
        "--from-environment",
        action="store_true",
        help="take the pointers from this environment's BOOTSTRAP_* instead of zappa_settings.json",
    )
    run.add_argument("--quiet", action="store_true", help="print nothing before the command starts")
    run.add_argument("stray", nargs="*", help=argparse.SUPPRESS)
    return parser


def _where(command: argparse.ArgumentParser, verb: str) -> None:
    """The target: the stage's bundle by default, else its SSM path; ``--ssm`` or ``--secret`` to choose."""
    where = command.add_mutually_exclusive_group()
    where.add_argument("--secret", metavar="NAME", help=f"{verb} the fields of this stage secret instead")
    where.add_argument(
        "--ssm", action="store_true", help=f"{verb} the stage's SSM path even though it declares a bundle"
    )


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0 or value != value:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def _whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def _account(value: str) -> str:
    if value == "*" or (len(value) == 12 and value.isdigit()):
        return value
    raise argparse.ArgumentTypeError("an AWS account id is 12 digits (or * for any)")
