"""``roll <stage>``: make every container of the stage start over with the configuration now in AWS.

A warm container keeps what it loaded at its cold start, so a pushed value
reaches it only when Lambda happens to recycle it. Updating the function's
configuration makes Lambda send later invocations to new execution
environments, which cold-start and load the new values. So ``roll`` sets one
variable, ``BOOTSTRAP_CONFIG_VERSION``, in the function's environment to a
version of the configuration, and leaves every other variable as it is.

The version is a digest of the sources' *version ids*: each SSM parameter's
name and version number (DescribeParameters: no value is read) and each
secret's AWSCURRENT VersionId (DescribeSecret). It changes whenever a value
is written, and holds nothing derived from a value, so it cannot be
brute-forced back to one. ``zappa update`` keeps it (Zappa carries over
variables it did not set). The caller needs ssm:DescribeParameters,
secretsmanager:DescribeSecret, lambda:GetFunctionConfiguration and
lambda:UpdateFunctionConfiguration: the operator's rights, never the Lambda's.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from typing import Any

from lambda_bootstrap.errors import BootstrapError
from lambda_bootstrap.sources import sources_for

from ..aws import Aws
from ..console import Console
from ..errors import ToolError
from ..secret_versions import current_version
from ..stage import Stage, load_stage
from ..validation import judge
from .shared import Commands

__all__ = ["VERSION_VARIABLE", "config_version", "register", "roll", "roll_stage"]

VERSION_VARIABLE = "BOOTSTRAP_CONFIG_VERSION"
_SETTLE_POLL = 0.5


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "roll", parents=[common], help="make every container of the stage start over with the configuration in AWS"
    )
    parser.set_defaults(run=lambda args, console: roll(args.stage, settings_file=args.settings, console=console))


def roll(stage_name: str, *, settings_file: str | None = None, console: Console) -> int:
    stage = load_stage(stage_name, settings_file)
    return roll_stage(stage, Aws(stage.region, stage.bootstrap.max_attempts), console)


def roll_stage(stage: Stage, aws: Aws, console: Console) -> int:
    _refuse_unloadable(stage, aws)
    version, sources = config_version(stage, aws)
    function = stage.function_name
    client = aws.client("lambda")
    resource = f"Lambda function {function}"
    configuration = aws.call(
        lambda: client.get_function_configuration(FunctionName=function),
        resource=resource,
        action="lambda:GetFunctionConfiguration",
    )
    variables = dict((configuration.get("Environment") or {}).get("Variables") or {})
    running = variables.get(VERSION_VARIABLE)
    console.say(f"roll {stage.name}: configuration version {version} ({', '.join(sources)})")
    if running == version:
        console.say(f"  {function} already runs it: nothing to roll")
        return 0
    variables[VERSION_VARIABLE] = version
    aws.call(
        lambda: client.update_function_configuration(FunctionName=function, Environment={"Variables": variables}),
        resource=resource,
        action="lambda:UpdateFunctionConfiguration",
    )
    _wait_until_updated(aws, client, function, resource, console)
    console.say(
        f"  {function}: {VERSION_VARIABLE} {running or '(unset)'} -> {version}; "
        "new invocations start fresh containers, which load the new values"
    )
    return 0


def config_version(stage: Stage, aws: Aws) -> tuple[str, list[str]]:
    """A digest of the sources' version ids (never of a value), and what went into it, by label."""
    settings = stage.bootstrap
    parts: list[str] = []
    labels: list[str] = []
    if settings.ssm_path is not None:
        versions = _parameter_versions(aws, settings.ssm_path)
        parts += [f"ssm:{name}#{version}" for name, version in sorted(versions.items())]
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


def _parameter_versions(aws: Aws, path: str) -> dict[str, int]:
    client = aws.client("ssm")
    paginator = client.get_paginator("describe_parameters")

    def pages() -> list[Any]:
        by_path = paginator.paginate(
            ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [path.rstrip("/") or "/"]}]
        )
        return list(by_path)

    found = aws.call(pages, resource=f"ssm:{path}", action="ssm:DescribeParameters")
    return {p["Name"]: int(p["Version"]) for page in found for p in page.get("Parameters", [])}


def _wait_until_updated(aws: Aws, client: Any, function: str, resource: str, console: Console) -> None:
    """Lambda applies a configuration update asynchronously; a roll is done when it is."""
    deadline = time.monotonic() + aws.settings.timeout
    while True:
        status = aws.call(
            lambda: client.get_function_configuration(FunctionName=function),
            resource=resource,
            action="lambda:GetFunctionConfiguration",
        ).get("LastUpdateStatus", "Successful")
        if status != "InProgress":
            break
        if time.monotonic() >= deadline:
            raise ToolError(f"{function}'s configuration update is still in progress after {aws.settings.timeout:g} s")
        console.note(f"  waiting for {function}'s configuration update to finish")
        time.sleep(_SETTLE_POLL)
    if status == "Failed":
        raise ToolError(f"{function}'s configuration update failed: see the function in the Lambda console")


def _refuse_unloadable(stage: Stage, aws: Aws) -> None:
    """No roll into a configuration that would fail every cold start: judge it as the cold start would, first."""
    try:
        entries = aws.fetch(sources_for(stage.bootstrap, stage.root))
    except BootstrapError as exc:
        raise ToolError(f"not rolled: a cold start would fail now: {exc}") from exc
    problems = judge(stage, entries).problems
    if problems:
        raise ToolError(f"not rolled: a cold start would fail now: {'; '.join(problems)}")
