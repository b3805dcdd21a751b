"""``migrate <stage>``: move a stage's SSM parameters into its bundle, the values never touching a disk.

The values go from ``GetParametersByPath`` (decrypted, in memory) straight
into the bundle's ``PutSecretValue``; nothing is printed but key names and
counts. It is ``push`` with SSM in place of a .env file: the same plan (keys
already in the bundle count as unchanged or changed), ``--dry-run``, y/N,
``--prune``, the 64 KB check before anything is written, and the same
compare-and-swap that loses no concurrent writer's keys (:mod:`..secret_write`).

Where it reads: ``--path``, else the stage's ``BOOTSTRAP_SSM_PATH``; with a
``BOOTSTRAP_SSM_MANIFEST`` it moves the listed names only, as the cold start
loads only those. Where it writes: the stage's ``BOOTSTRAP_BUNDLE``, which must
be declared. The SSM parameters are left as they are (a rollback is then a
revert of zappa_settings.json); ``docs/bundle.md`` gives the order of steps.
"""

from __future__ import annotations

import argparse

from lambda_bootstrap import ssm
from lambda_bootstrap.rules import ENV_KEY

from ..aws import Aws, SsmParameter
from ..console import Console
from ..errors import ToolError
from ..stage import Stage, load_stage
from ..target import BundleTarget
from ..writing import NOTHING_TO_WRITE, write_values
from . import shared
from .shared import Commands

__all__ = ["migrate", "register"]


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "migrate", parents=[common], help="move the stage's SSM parameters into its bundle (values stay in memory)"
    )
    parser.add_argument("--path", metavar="/APP/STAGE/", help="the SSM path to read (default: BOOTSTRAP_SSM_PATH)")
    shared.add_write_options(parser, prune="also delete bundle keys that are not in SSM", roll=False)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    return migrate(
        args.stage,
        path=args.path,
        yes=args.yes,
        dry_run=args.dry_run,
        prune=args.prune,
        settings_file=args.settings,
        console=console,
    )


def migrate(
    stage_name: str,
    *,
    path: str | None = None,
    yes: bool = False,
    dry_run: bool = False,
    prune: bool = False,
    settings_file: str | None = None,
    console: Console,
) -> int:
    stage = load_stage(stage_name, settings_file)
    settings = stage.bootstrap
    if settings.bundle is None:
        raise ToolError(
            f'stage {stage.name!r} has no BOOTSTRAP_BUNDLE: declare it (e.g. "config", which is '
            f"{stage.project_name}/{stage.name}/config) in its environment_variables first; migrate writes there"
        )
    source = _source_path(stage, path)
    shared.refuse_unconfirmable("migrate", yes=yes, dry_run=dry_run, console=console)
    aws = Aws(stage.region, settings.max_attempts)
    desired = _ssm_values(stage, source, aws, console)
    target = BundleTarget(settings.bundle)
    origin = f"ssm:{source}"
    code = write_values(
        stage, target, aws, desired, origin, yes=yes, dry_run=dry_run, prune=prune, console=console, replaces=origin
    )
    if code == NOTHING_TO_WRITE:
        console.say("nothing to migrate: the bundle already holds every key, with the same values")
    if code in {0, NOTHING_TO_WRITE}:
        _next_steps(stage, console)
        return 0
    return code


def _source_path(stage: Stage, path: str | None) -> str:
    if path is None:
        if stage.bootstrap.ssm_path is None:
            raise ToolError(
                f"stage {stage.name!r} has no BOOTSTRAP_SSM_PATH: give the path to move (--path /app/stage/)"
            )
        return stage.bootstrap.ssm_path
    if not path.startswith("/"):
        raise ToolError(f"--path must start with '/', got {path!r}")
    return path.rstrip("/") + "/"


def _ssm_values(stage: Stage, path: str, aws: Aws, console: Console) -> dict[str, str]:
    """The key -> value pairs the stage's cold start loads from ``path`` today (by the bootstrap's own rules)."""
    parameters: dict[str, SsmParameter] = aws.ssm_parameters(path)
    if not parameters:
        raise ToolError(f"no parameters under ssm:{path}: nothing to migrate (wrong path, region or account?)")
    manifest = stage.bootstrap.ssm_manifest
    if manifest is not None and path == stage.bootstrap.ssm_path:
        listed = set(ssm.read_manifest(str(stage.path(manifest)), path))
        absent = sorted(listed - {p.name for p in parameters.values()})
        if absent:
            raise ToolError(
                f"listed in the SSM manifest but not in SSM (the stage cannot load them): {', '.join(absent)}"
            )
        skipped = sorted(key for key, p in parameters.items() if p.name not in listed)
        if skipped:
            console.say(f"not in the manifest, so not loaded today and not migrated: {', '.join(skipped)}")
        parameters = {key: p for key, p in parameters.items() if p.name in listed}
    bad = sorted(key for key in parameters if not ENV_KEY.fullmatch(key))
    if bad:  # ssm_env_key only makes environment names: this would be a bug, stopped before any write
        raise ToolError(f"not environment names, so not bundle keys: {', '.join(bad)}")
    return {key: p.value for key, p in parameters.items()}


def _next_steps(stage: Stage, console: Console) -> None:
    if stage.bootstrap.ssm_path is not None:
        console.say(
            f"next: remove BOOTSTRAP_SSM_PATH (and BOOTSTRAP_SSM_MANIFEST) from stage {stage.name!r} in "
            f"{stage.settings_file.name}: a stage loading both would stop on every key twice"
        )
    console.say(
        f"then: lambda-bootstrap check {stage.name} && zappa update {stage.name}; "
        "the SSM parameters stay until you delete them"
    )
