"""``lambda-bootstrap``: set up, write, check and roll a Zappa stage's configuration; print its IAM policy.

The operator's side of :mod:`lambda_bootstrap`, a package of its own so that it
never ships in a Lambda zip. A plain argparse CLI, not a Django management
command: it must run before Django can start (the settings need the very values
``push`` writes) and needs neither ``DJANGO_SETTINGS_MODULE`` nor a database. It
reads the stage from zappa_settings.json and derives paths and secret ids with
the bootstrap's own code, so what it writes is what the cold start reads.

Each command is a module of :mod:`.commands` that registers its own parser.
Exit status: 0 success (``diff``: no difference), 1 a difference or a failed
check (or a write not confirmed), 2 bad input or an AWS call denied or
unreachable (nothing changed; one line naming the endpoint, profile, resource,
action and, when refused, the caller's identity), 3 a write that stopped
midway, 4 another writer's change that this write could not be re-applied on,
5 a write whose outcome is unknown (:mod:`.errors`). ``exec`` becomes its
command, whose status is then its own; it returns 127 (not found) or 126 (not
runnable) as a shell does.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Callable, Sequence

from lambda_bootstrap.errors import BootstrapError

from .aws import DEFAULT_TIMEOUT, TIMEOUT_VARIABLE, call_settings, using_call_settings
from .commands import register_all
from .console import Console
from .errors import ConcurrentWriteError, WriteOutcomeUnknownError, WriteStoppedError
from .journal import WriteJournal

__all__ = ["main"]

__version__ = "1.0.0"

EXIT_OK, EXIT_DIFFERS, EXIT_ERROR, EXIT_PARTIAL, EXIT_CONFLICT, EXIT_UNKNOWN = 0, 1, 2, 3, 4, 5
EXIT_PIPE_CLOSED = 141  # what a shell reports for a process its reader's SIGPIPE ended


def main(
    argv: Sequence[str] | None = None,
    console: Console | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] | None = None,
) -> int:
    """Run one command; ``clock`` and ``sleep`` drive deadlines and back-off (tests pass a fake clock)."""
    console = console or Console()
    from .commands.exec import split_command

    own, command = split_command(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(own)
    args.exec_command = command
    journal = WriteJournal()
    try:
        settings = call_settings(args.timeout, os.environ, console.note, clock, sleep)
        with using_call_settings(dataclasses.replace(settings, journal=journal)):
            return int(args.run(args, console))
    except WriteStoppedError as exc:
        console.note(f"error: {exc}")
        return EXIT_PARTIAL if exc.written else EXIT_ERROR  # nothing written: like any refused call
    except ConcurrentWriteError as exc:
        console.note(f"CONCURRENT WRITE: {exc}")
        return EXIT_CONFLICT
    except WriteOutcomeUnknownError as exc:
        console.note(f"OUTCOME UNKNOWN: {exc}")
        return EXIT_UNKNOWN
    except BootstrapError as exc:
        console.note(f"error: {exc}")
        for note in getattr(exc, "__notes__", ()):
            console.note(f"  {note}")
        return _unknown(journal, console) if journal.unanswered else EXIT_ERROR
    except KeyboardInterrupt:
        return _interrupted(journal, console)
    except BrokenPipeError:
        console.closed()
        return EXIT_PIPE_CLOSED
    except Exception as exc:  # the last net under AWS's client library: one line, never a traceback
        if not type(exc).__module__.startswith(("botocore", "boto3")):
            raise
        console.note(f"error: the AWS client failed ({type(exc).__name__}); nothing was changed by this call")
        return EXIT_ERROR


def _interrupted(journal: WriteJournal, console: Console) -> int:
    """Ctrl-C that no write path reported itself: say what this command had sent, and nothing more."""
    if journal.unanswered:
        console.note("interrupted")
        return _unknown(journal, console)
    if journal.answered:
        console.note(
            f"interrupted after these writes completed (they stand): {'; '.join(journal.answered)}; "
            "what came after them did not finish: run the command again"
        )
        return EXIT_PARTIAL
    console.note("interrupted before any write was sent: nothing written")
    return EXIT_ERROR


def _unknown(journal: WriteJournal, console: Console) -> int:
    console.note(
        f"OUTCOME UNKNOWN: sent, and no answer came: {'; '.join(journal.unanswered)}: it may have landed; "
        "run the command again, or compare (lambda-bootstrap diff, history)"
    )
    return EXIT_UNKNOWN


def parser() -> argparse.ArgumentParser:
    """The whole command line: the options every command shares, then each command's own."""
    root = argparse.ArgumentParser(
        prog="lambda-bootstrap",
        description="Set up, write, check and roll a Zappa stage's configuration (bundle, secrets, SSM); "
        "print its IAM policy.",
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("stage", help="a stage of zappa_settings.json")
    common.add_argument("--settings", metavar="PATH", help="the Zappa settings file (default: ./zappa_settings.json)")
    common.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help=f"give up on an AWS call after this long (default: ${TIMEOUT_VARIABLE}, else {DEFAULT_TIMEOUT:g})",
    )
    register_all(root.add_subparsers(dest="command", required=True, metavar="command"), common)
    return root
