"""``roll <stage>``: make every environment the stage's traffic reaches start over with the configuration in AWS.

A warm container keeps what it loaded at its cold start, so a pushed value
reaches it only when Lambda happens to recycle it. Updating the function's
configuration makes Lambda send later invocations to new execution
environments, which cold-start and load the new values. So ``roll`` sets one
variable, ``BOOTSTRAP_CONFIG_VERSION``, in the function's environment to a
version of the configuration, and leaves every other variable as it is.

That reaches ``$LATEST`` only. Traffic invoked through an alias (Zappa's
``snapstart`` alias, ``provisioned-concurrency``, ``apigateway_lambda_qualifier``,
an alias wired by hand; see invoked.py for how they are found) runs a
published version, whose configuration never changes, and with SnapStart
every environment of it is restored from one snapshot taken when the version
was published. So for each such alias, ``roll`` publishes a new version of
``$LATEST`` (with SnapStart: a new snapshot, made from the values in AWS now)
and moves the alias to it, once Lambda reports the version Active. It refuses,
before writing anything, what it cannot roll: an alias that splits traffic
between versions, an alias with provisioned concurrency (a new version would
need its own, provisioned and billed; ``zappa update`` does that), a bare
version number. It reports only what Lambda confirms.

The version is a digest of the sources' *version ids*: each SSM parameter's
name, version number and last-modified time (DescribeParameters: no value is
read; a parameter deleted and created again starts again at version 1) and each
secret's AWSCURRENT VersionId (DescribeSecret). It changes whenever a value
is written, and holds nothing derived from a value, so it cannot be
brute-forced back to one. ``zappa update`` keeps it (Zappa carries over
variables it did not set). The operator's rights it needs, never the Lambda's:
ssm:DescribeParameters, secretsmanager:DescribeSecret, apigateway:GET,
lambda:GetFunctionConfiguration, lambda:UpdateFunctionConfiguration, and for an
alias lambda:GetAlias, lambda:GetProvisionedConcurrencyConfig,
lambda:PublishVersion, lambda:UpdateAlias.
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass
from typing import Any

from lambda_bootstrap.errors import BootstrapError
from lambda_bootstrap.sources import sources_for

from ..aws import Aws
from ..console import Console
from ..errors import ToolError, WriteStoppedError
from ..function_versions import FunctionVersions
from ..invoked import LATEST, invoked_qualifiers
from ..secret_versions import current_version
from ..stage import Stage, load_stage
from ..validation import judge
from .shared import Commands

__all__ = ["VERSION_VARIABLE", "config_version", "register", "roll", "roll_stage"]

VERSION_VARIABLE = "BOOTSTRAP_CONFIG_VERSION"
WAIT_SECONDS = 900.0  # a SnapStart version is Pending while its snapshot is made: minutes at worst


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "roll", parents=[common], help="make every container of the stage start over with the configuration in AWS"
    )
    parser.add_argument(
        "--qualifier",
        metavar="ALIAS",
        help="the alias the stage's traffic reaches, where no REST API of Zappa's says (default: found)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=WAIT_SECONDS,
        metavar="SECONDS",
        help=f"how long to wait for Lambda to apply each step (default {WAIT_SECONDS:g})",
    )
    parser.set_defaults(
        run=lambda args, console: roll(
            args.stage, settings_file=args.settings, console=console, qualifier=args.qualifier, wait=args.wait
        )
    )


def roll(
    stage_name: str,
    *,
    settings_file: str | None = None,
    console: Console,
    qualifier: str | None = None,
    wait: float = WAIT_SECONDS,
) -> int:
    stage = load_stage(stage_name, settings_file)
    aws = Aws(stage.region, stage.bootstrap.max_attempts)
    return roll_stage(stage, aws, console, qualifier=qualifier, wait=wait)


@dataclass(frozen=True)
class _Target:
    """One qualifier the traffic reaches, as it stands."""

    qualifier: str
    version: str  # what it runs: $LATEST, or a version number
    running: str | None  # its BOOTSTRAP_CONFIG_VERSION
    revision: str | None = None  # the alias's RevisionId, for a move that overwrites nobody's


def roll_stage(
    stage: Stage, aws: Aws, console: Console, *, qualifier: str | None = None, wait: float = WAIT_SECONDS
) -> int:
    _refuse_unloadable(stage, aws)
    version, sources = config_version(stage, aws)
    console.say(f"roll {stage.name}: configuration version {version} ({', '.join(sources)})")
    function = FunctionVersions(aws, stage.function_name, console, wait_seconds=wait)
    invoked = invoked_qualifiers(stage, aws, qualifier)
    targets = [_target(function, name) for name in invoked.qualifiers]  # every refusal before any write
    console.say(f"  {function.function} is invoked as {', '.join(invoked.qualifiers)} (from {invoked.found_by})")
    stale = [target for target in targets if target.running != version]
    if not stale:
        runs = ", ".join(_described(target) for target in targets)
        console.say(f"  {runs}: already run{'s' if len(targets) == 1 else ''} it: nothing to roll")
        return 0
    done: list[str] = []
    try:
        latest = targets[0]
        if latest.running != version:
            function.set_variable(VERSION_VARIABLE, version)
            done.append(LATEST)
            console.say(f"  {LATEST}: {VERSION_VARIABLE} {latest.running or '(unset)'} -> {version}")
        aliases = [target for target in stale if target.qualifier != LATEST]
        if aliases:
            _move_aliases(function, aliases, version, console, done)
    except BootstrapError as exc:
        if not done:
            raise
        left = [target.qualifier for target in stale if target.qualifier not in done]
        raise WriteStoppedError(f"Lambda function {function.function}", done, left, exc) from exc
    console.say("  new invocations start fresh containers, which load the new values")
    return 0


def _target(function: FunctionVersions, qualifier: str) -> _Target:
    """What ``qualifier`` runs now; a ToolError, before anything is written, for what a roll cannot reach."""
    if qualifier == LATEST:
        return _Target(LATEST, LATEST, _running(function.configuration()))
    if qualifier.isdigit():
        raise ToolError(
            f"not rolled: {function.function} is invoked as version {qualifier}, and a published version's "
            "configuration never changes; invoke it through an alias (apigateway_lambda_qualifier), or deploy "
            "a new version with `zappa update`"
        )
    alias = function.alias(qualifier)
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    if weights:
        raise ToolError(
            f"not rolled: alias {qualifier} splits traffic between versions {alias['FunctionVersion']} and "
            f"{', '.join(sorted(weights))} (a gradual deployment?); finish or cancel it, then roll"
        )
    if function.provisioned_concurrency(qualifier):
        raise ToolError(
            f"not rolled: alias {qualifier} has provisioned concurrency, and a new version needs its own "
            "(provisioned for minutes, billed while both exist); `zappa update` publishes, provisions and moves "
            "the alias, and its new environments load the values in AWS now"
        )
    runs = str(alias["FunctionVersion"])
    return _Target(qualifier, runs, _running(function.configuration(runs)), alias.get("RevisionId"))


def _move_aliases(
    function: FunctionVersions, aliases: list[_Target], version: str, console: Console, done: list[str]
) -> None:
    published = function.publish(f"lambda-bootstrap roll: configuration {version}")
    carried = function.configuration(published.version)
    if _running(carried) != version:  # someone changed $LATEST between the update and the publish
        raise ToolError(
            f"version {published.version} of {function.function} does not carry configuration {version} "
            "($LATEST changed during the roll?): no alias was moved; run the roll again"
        )
    snapshot = (carried.get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions"
    for target in aliases:
        function.move_alias(target.qualifier, published.version, target.revision)
        now = function.alias(target.qualifier)
        if str(now["FunctionVersion"]) != published.version:
            raise ToolError(
                f"alias {target.qualifier} points at version {now['FunctionVersion']}, not {published.version}, "
                "after it was moved: someone else moved it; run the roll again"
            )
        done.append(target.qualifier)
        fresh = "a new snapshot, " if snapshot else ""
        console.say(
            f"  alias {target.qualifier}: version {target.version} -> {published.version} "
            f"({fresh}{VERSION_VARIABLE} {target.running or '(unset)'} -> {version})"
        )


def _running(configuration: dict[str, Any]) -> str | None:
    variables = (configuration.get("Environment") or {}).get("Variables") or {}
    value = variables.get(VERSION_VARIABLE)
    return str(value) if value is not None else None


def _described(target: _Target) -> str:
    return LATEST if target.qualifier == LATEST else f"alias {target.qualifier} (version {target.version})"


def config_version(stage: Stage, aws: Aws) -> tuple[str, list[str]]:
    """A digest of the sources' version ids (never of a value), and what went into it, by label."""
    settings = stage.bootstrap
    parts: list[str] = []
    labels: list[str] = []
    if settings.ssm_path is not None:
        versions = _parameter_versions(aws, settings.ssm_path)
        parts += [f"ssm:{name}#{version}" for name, version in sorted(versions.items())]  # version@modified
        labels.append(f"{settings.ssm_label} ({len(versions)} parameter(s))")
    secret_ids = ([settings.bundle] if settings.bundle else []) + [s.secret_id for s in settings.secrets]
    for secret_id in secret_ids:
        label = f"secretsmanager:{secret_id}"
        current = current_version(aws, secret_id, label)
        if current is None:
            raise ToolError(f"{label} has no AWSCURRENT version: push it first")
        parts.append(f"{label}#{current}")
        labels.append(f"secretsmanager:{secret_id}")
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    return digest, labels


def _parameter_versions(aws: Aws, path: str) -> dict[str, str]:
    """Each parameter's version and last-modified time: a parameter deleted and made again restarts at 1."""
    client = aws.client("ssm")
    paginator = client.get_paginator("describe_parameters")

    def pages() -> list[Any]:
        by_path = paginator.paginate(
            ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [path.rstrip("/") or "/"]}]
        )
        return list(by_path)

    found = aws.call(pages, resource=f"ssm:{path}", action="ssm:DescribeParameters")
    return {
        p["Name"]: f"{int(p['Version'])}@{_modified(p.get('LastModifiedDate'))}"
        for page in found
        for p in page.get("Parameters", [])
    }


def _modified(moment: Any) -> str:
    return moment.isoformat() if hasattr(moment, "isoformat") else str(moment or "")


def _refuse_unloadable(stage: Stage, aws: Aws) -> None:
    """No roll into a configuration that would fail every cold start: judge it as the cold start would, first."""
    try:
        entries = aws.fetch(sources_for(stage.bootstrap, stage.root))
    except BootstrapError as exc:
        raise ToolError(f"not rolled: a cold start would fail now: {exc}") from exc
    problems = judge(stage, entries).problems
    if problems:
        raise ToolError(f"not rolled: a cold start would fail now: {'; '.join(problems)}")
