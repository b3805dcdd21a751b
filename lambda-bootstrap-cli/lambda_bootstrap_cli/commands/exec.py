"""``exec <stage> -- COMMAND [ARGS...]``: run any command with a stage's configuration, on any host.

The same load as the Lambda's cold start, not a second fetch path: the
environment the stage's Lambda has (``PROJECT``/``STAGE``, the stage's
``environment_variables``, ``AWS_REGION``, ``DJANGO_SETTINGS_MODULE``) is put
into this process's environment, :func:`lambda_bootstrap.load` runs (same
sources, naming, precedence, required keys, retries, deadline and errors), and
the process then *becomes* the command (``os.execvpe``): same PID, so the
command's signals and exit status are its own, and no parent stays behind
holding the values. Nothing is written to disk; at most key names are printed.

Order of checks, so that the command never starts half-configured and a typo
costs no AWS call: the stage and its pointers, then the command (looked up on
the ``PATH`` it will run with: not found is exit 127, as a shell says), then
the load. Any failure is one line on stderr and exit 2 (127/126 for the
command), and the command has not started.

The source pointers (``BOOTSTRAP_SSM_PATH``, ``_SSM_MANIFEST``, ``_BUNDLE``,
``_SECRETS``) are removed from the command's environment: a command that calls
``load()`` itself (Django's Lambda settings module does) then finds every value
already there, checks ``BOOTSTRAP_REQUIRED`` against it and fetches nothing,
instead of a second round of AWS calls in every gunicorn worker. The cost:
``refresh()`` has nothing to re-fetch in the command, so a long-running host
picks up a rotated secret by restarting (docs/hosts.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Mapping, Sequence

from lambda_bootstrap import settings as bootstrap_settings
from lambda_bootstrap.errors import BootstrapError

from ..console import Console
from ..errors import ToolError
from ..stage import load_stage
from .shared import Commands

__all__ = [
    "EXIT_CANNOT_RUN",
    "EXIT_NOT_FOUND",
    "SOURCE_POINTERS",
    "exec_environment",
    "exec_stage",
    "register",
    "split_command",
]
USAGE = "usage: lambda-bootstrap exec STAGE [options] -- COMMAND [ARGS...]"


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "exec",
        parents=[common],
        help="load the stage's configuration, then become COMMAND (after --)",
        usage=USAGE.removeprefix("usage: "),
        description="Load the stage's configuration as its Lambda's cold start does, then replace this process "
        "with COMMAND (docs/hosts.md).",
    )
    parser.add_argument("--env", action="append", default=[], metavar="BOOTSTRAP_NAME=VALUE", help="set a pointer")
    parser.add_argument(
        "--from-environment",
        action="store_true",
        help="take the pointers from this environment's BOOTSTRAP_* instead of zappa_settings.json",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing before the command starts")
    parser.add_argument("stray", nargs="*", help=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
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


EXIT_ERROR, EXIT_CANNOT_RUN, EXIT_NOT_FOUND = 2, 126, 127

SOURCE_POINTERS = (
    bootstrap_settings.SSM_PATH,
    bootstrap_settings.SSM_MANIFEST,
    bootstrap_settings.BUNDLE,
    bootstrap_settings.SECRETS,
)


def split_command(argv: Sequence[str]) -> tuple[list[str], list[str] | None]:
    """``exec``'s own arguments and the command after the first ``--`` (None when there is no ``--``).

    Split before argparse sees them: the command's options (``gunicorn --bind``)
    must never be read as ``exec``'s.
    """
    args = list(argv)
    if args[:1] != ["exec"] or "--" not in args:
        return args, None
    cut = args.index("--")
    return args[:cut], args[cut + 1 :]


def exec_stage(
    stage_name: str,
    command: Sequence[str] | None,
    *,
    stray: Sequence[str] = (),
    settings_file: str | None = None,
    from_environment: bool = False,
    overrides: Sequence[str] = (),
    quiet: bool = False,
    console: Console,
) -> int:
    """Load ``stage_name``'s configuration, then replace this process with ``command``.

    ``command`` is what followed ``--`` (None: there was no ``--``; ``stray``
    then holds what argparse found instead). Returns only when the command
    could not start: 2 (a failed load; bad input raises, exit 2 too), 127 (not
    found) or 126 (found, not runnable).
    """
    if command is None and stray:
        raise ToolError(f"put '--' before the command: exec {stage_name} -- {' '.join(stray)}")
    if not command:
        raise ToolError(f"no command after '--' ({USAGE})")
    environ = exec_environment(
        stage_name, os.environ, settings_file=settings_file, from_environment=from_environment, overrides=overrides
    )
    name = command[0]
    missing = _cannot_find(name, environ)
    if missing is not None:
        return _cannot_run(console, name, missing, "nothing loaded, nothing started")
    os.environ.clear()
    os.environ.update(environ)
    started = time.perf_counter()
    try:
        import lambda_bootstrap

        report = lambda_bootstrap.load()
    except BootstrapError as exc:
        also = "".join(f"; {note.strip()}" for note in getattr(exc, "__notes__", ()))
        console.note(" ".join(f"error: {exc}{also} ({name} not started)".split("\n")))  # one line, for any log
        return EXIT_ERROR
    if not quiet:
        by_source = "; ".join(f"{source}: {', '.join(keys)}" for source, keys in report.keys_by_source().items())
        console.note(
            f"exec {stage_name}: {len(report.sources)} key(s) in {(time.perf_counter() - started) * 1000:.0f} ms "
            f"({by_source or 'none'}); starting {name}"
        )
    child = {k: v for k, v in os.environ.items() if k not in SOURCE_POINTERS}
    for stream in (sys.stdout, sys.stderr, console.out, console.err):
        stream.flush()  # exec discards whatever Python still buffers
    try:
        os.execvpe(name, list(command), child)  # noqa: S606 - the point: the command, with no shell between
    except OSError as exc:  # lost between the look-up and exec (deleted, a missing #! interpreter, ...)
        return _cannot_run(console, name, exc, "not started")
    raise AssertionError("unreachable: os.execvpe returned")  # pragma: no cover


def exec_environment(
    stage_name: str,
    host: Mapping[str, str],
    *,
    settings_file: str | None = None,
    from_environment: bool = False,
    overrides: Sequence[str] = (),
) -> dict[str, str]:
    """The environment ``load()`` runs in: this host's, with the stage's Lambda environment on top.

    From zappa_settings.json (the default), the host's own ``BOOTSTRAP_*`` and the
    keys the stage reserves (``BOOTSTRAP_RESERVED``: they come only from its
    declaration) are dropped first, so ``exec prod`` reads exactly what the prod
    Lambda reads whatever the shell exported. With ``from_environment`` no file is read: the
    host's ``BOOTSTRAP_*`` are the pointers (ECS task definitions, Elastic
    Beanstalk environment properties). ``overrides`` (``--env NAME=VALUE``)
    come last and may only set ``BOOTSTRAP_*`` pointers: a value on a command
    line would show in ``ps`` and in shell history.
    """
    pointers = _parse_overrides(overrides)
    if from_environment:
        environ = dict(host)
        environ["STAGE"] = stage_name
        environ.update(pointers)
        region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        if not region:
            raise ToolError("--from-environment needs AWS_REGION (or AWS_DEFAULT_REGION) set")
    else:
        stage = load_stage(stage_name, settings_file)
        reserved = set(stage.bootstrap.reserved)
        environ = {k: v for k, v in host.items() if not k.startswith("BOOTSTRAP_") and k not in reserved}
        environ.update(stage.environment)
        django_settings = stage.config.get("django_settings")
        if django_settings:  # what Zappa's handler sets before importing Django
            environ["DJANGO_SETTINGS_MODULE"] = str(django_settings)
        environ.update(pointers)
        region = stage.region
    environ["AWS_REGION"] = environ["AWS_DEFAULT_REGION"] = region  # as Lambda sets both
    if not bootstrap_settings.read_settings(environ).configured:
        where = "the environment" if from_environment else f"stage {stage_name!r}'s environment_variables"
        raise ToolError(
            f"{where} declare(s) no source (BOOTSTRAP_BUNDLE, BOOTSTRAP_SECRETS or BOOTSTRAP_SSM_PATH): "
            "nothing to load, so nothing is started"
        )
    return environ


def _parse_overrides(overrides: Sequence[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in overrides:
        name, equals, value = item.partition("=")
        if not equals or not name.startswith("BOOTSTRAP_"):
            shown = name if equals else "the argument"
            raise ToolError(
                f"--env takes BOOTSTRAP_NAME=pointer, not {shown}: only the bootstrap's pointers belong on a "
                "command line (a value there shows in ps and in shell history)"
            )
        parsed[name] = value
    return parsed


def _cannot_find(name: str, environ: Mapping[str, str]) -> OSError | None:
    """Why ``execvpe`` would fail to find ``name`` on the ``PATH`` the command gets, if it would."""
    if shutil.which(name, path=environ.get("PATH", os.defpath)) is not None:
        return None
    if os.sep in name and os.path.exists(name):
        return PermissionError(13, "not an executable file")
    return FileNotFoundError(2, "command not found")


def _cannot_run(console: Console, name: str, exc: OSError, outcome: str) -> int:
    """A shell's exit statuses: 127 not found (a missing ``#!`` interpreter too), 126 found but not runnable."""
    console.note(f"error: {name}: {exc.strerror or type(exc).__name__} ({outcome})")
    return EXIT_NOT_FOUND if isinstance(exc, FileNotFoundError) else EXIT_CANNOT_RUN
