"""``check <stage>``: is the stage ready to deploy? Each check by name, exit status 1 if one fails.

- sources: every declared source reads, maps to keys by the bootstrap's rules,
  no two produce one key, and a manifest (if any) matches the path;
- required: every ``BOOTSTRAP_REQUIRED`` key is in what the sources hold;
- values: every value parses as the type the settings read it as
  (:mod:`.value_types`);
- policy-file: the ``attach_policy`` document (plus ``extra_permissions``)
  grants exactly what ``policy <stage>`` prints, nothing missing, nothing broader;
- role: the same for the role's inline policies in IAM, once the role exists;
- vpc: with ``vpc_config``, the function's subnets reach SSM and Secrets
  Manager through a NAT gateway or interface endpoints (:mod:`.vpc`).

It reads what the Lambda reads, with the caller's credentials; an AWS call
that is denied or unreachable stops it with exit status 2.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import secretsmanager, ssm
from ..errors import (
    ConfigurationError,
    InvalidKeyError,
    KeyConflictError,
    SecretFormatError,
    SourceNotFoundError,
    SourceUnavailableError,
)
from .aws import Aws
from .console import Console
from .policy import stage_policy
from .policy_audit import audit
from .stage import Stage, load_stage
from .value_types import TypedRead, ValueCheck, check_values, find_typed_reads, stage_settings_module
from .vpc import reachability

__all__ = ["CheckResult", "check", "run_checks", "type_values"]

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"


@dataclass
class CheckResult:
    name: str
    status: str
    summary: str
    details: list[str] = field(default_factory=list)


def check(stage_name: str, *, settings_file: str | None = None, console: Console) -> int:
    stage = load_stage(stage_name, settings_file)
    console.say(f"check {stage.name} ({stage.settings_file.name}, {stage.region})")
    results = run_checks(stage, Aws(stage.region, stage.bootstrap.max_attempts), console)
    failed = [r.name for r in results if r.status == FAIL]
    console.say(f"result: {'FAIL (' + ', '.join(failed) + ')' if failed else 'PASS'}")
    return 1 if failed else 0


def run_checks(stage: Stage, aws: Aws, console: Console) -> list[CheckResult]:
    results: list[CheckResult] = []

    def record(result: CheckResult) -> None:
        results.append(result)
        console.say(f"  {result.status}  {result.name:<12} {result.summary}")
        for detail in result.details:
            console.say(f"        {detail}")

    values, sources = _sources(stage, aws)
    record(sources)
    record(_required(stage, values))
    record(_values(stage, values))
    record(_policy_file(stage))
    record(_role(stage, aws))
    record(_vpc(stage, aws))
    return results


def _sources(stage: Stage, aws: Aws) -> tuple[dict[str, str], CheckResult]:
    settings = stage.bootstrap
    values: dict[str, str] = {}
    origin: dict[str, str] = {}
    problems: list[str] = []
    counts: list[str] = []

    def merge(label: str, found: dict[str, str]) -> None:
        for key, value in found.items():
            if key in origin:
                problems.append(str(KeyConflictError(key, origin[key], label)))
                continue
            values[key], origin[key] = value, label
        counts.append(f"{label} ({len(found)} key(s))")

    if settings.ssm_path is not None:
        merge(settings.ssm_label, _ssm_values(stage, settings.ssm_path, aws, problems))
    for source in settings.secrets:

        def call(operation: Callable[[], Any], action: str, label: str = source.label) -> Any:
            return aws.call(operation, resource=label, action=action)

        try:
            found = secretsmanager.fetch_secret(
                aws.client("secretsmanager"), source, call, settings.binary_secrets_as_base64
            )
        except (SourceNotFoundError, SecretFormatError, InvalidKeyError) as exc:
            problems.append(str(exc))
            continue
        merge(source.label, found)
    summary = "read " + (", ".join(counts) or "nothing")
    return values, CheckResult("sources", FAIL if problems else PASS, summary, problems)


def _ssm_values(stage: Stage, path: str, aws: Aws, problems: list[str]) -> dict[str, str]:
    try:
        parameters = aws.ssm_parameters(path)
    except (InvalidKeyError, KeyConflictError) as exc:
        problems.append(str(exc))
        return {}
    if not parameters:
        problems.append(f"no parameters under ssm:{path} (push them: python -m lambda_bootstrap push {stage.name})")
    manifest = stage.bootstrap.ssm_manifest
    if manifest is None:
        return {key: p.value for key, p in parameters.items()}
    try:
        listed = set(ssm.read_manifest(str(stage.path(manifest)), path))
    except ConfigurationError as exc:
        problems.append(str(exc))
        return {}
    present = {p.name for p in parameters.values()}
    regenerate = f"regenerate it: python -m lambda_bootstrap manifest {stage.name}"
    if listed - present:
        problems.append(f"in the manifest but not in SSM (the load would fail): {', '.join(sorted(listed - present))}")
    if present - listed:
        problems.append(
            f"in SSM but not in the manifest (never loaded; {regenerate}): {', '.join(sorted(present - listed))}"
        )
    return {key: p.value for key, p in parameters.items() if p.name in listed}


def _required(stage: Stage, values: dict[str, str]) -> CheckResult:
    required = stage.bootstrap.required
    environment = stage.environment
    missing = [key for key in required if not values.get(key) and not environment.get(key)]
    if missing:
        return CheckResult("required", FAIL, f"missing: {', '.join(missing)}", ["(BOOTSTRAP_REQUIRED)"])
    return CheckResult("required", PASS, f"all {len(required)} present: {', '.join(required) or 'none declared'}")


def _values(stage: Stage, values: dict[str, str]) -> CheckResult:
    result = type_values(stage, values)
    if result.failures:
        return CheckResult(
            "values", FAIL, f"{len(result.failures)} value(s) do not parse", result.failures + result.notes
        )
    summary = f"{len(result.checked)} typed value(s) parse: {', '.join(result.checked) or 'none'}"
    return CheckResult("values", PASS, summary, result.notes)


def type_values(stage: Stage, values: Mapping[str, str]) -> ValueCheck:
    """``values`` typed by the readers of the settings module the stage runs (push uses it too)."""
    django_settings = str(stage.config.get("django_settings") or "")
    environment = stage.environment
    module, notes = stage_settings_module(stage.root, environment, django_settings)
    reads: list[TypedRead] = []
    if module:
        reads, found_notes = find_typed_reads(module, stage.root)
        notes.extend(found_notes)
    else:
        notes.append("the stage has no django_settings: values typed by key name only")
    result = check_values(values, reads, stage.root, environment)
    result.notes[:0] = notes
    return result


def _policy_file(stage: Stage) -> CheckResult:
    name = "policy-file"
    fix = f"python -m lambda_bootstrap policy {stage.name} > deploy/iam/{stage.name}.json"
    if stage.config.get("manage_roles", True) is False:
        return CheckResult(name, SKIP, "manage_roles is false: Zappa does not write the role's policy (see role)")
    attach = stage.config.get("attach_policy")
    if not attach:
        return CheckResult(
            name, FAIL, "no attach_policy: Zappa's default policy is used, far broader than needed", [f"fix: {fix}"]
        )
    file = stage.path(str(attach))
    try:
        document = json.loads(Path(file).read_text(encoding="utf-8"))
        statements = list(document["Statement"]) + list(stage.config.get("extra_permissions") or [])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return CheckResult(name, FAIL, f"{attach} is not a readable policy document ({type(exc).__name__})")
    result = audit(stage_policy(stage), statements)
    if result.exact:
        return CheckResult(name, PASS, f"{attach} grants exactly what the stage reads")
    return CheckResult(
        name, FAIL, f"{attach} differs from the stage's least privilege", [*result.lines(), f"fix: {fix}"]
    )


def _role(stage: Stage, aws: Aws) -> CheckResult:
    role = stage.role_name
    iam = aws.client("iam")
    resource = f"IAM role {role}"
    try:
        names = aws.call(
            lambda: iam.list_role_policies(RoleName=role), resource=resource, action="iam:ListRolePolicies"
        )["PolicyNames"]
    except SourceUnavailableError as exc:
        if _error_code(exc) == "NoSuchEntity":
            return CheckResult("role", SKIP, f"{role} does not exist yet (zappa deploy creates it)")
        raise
    statements: list[Any] = []
    for policy_name in names:
        response = aws.call(
            lambda name=policy_name: iam.get_role_policy(RoleName=role, PolicyName=name),  # type: ignore[misc]
            resource=resource,
            action="iam:GetRolePolicy",
        )
        document = response["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(urllib.parse.unquote(document))
        statement = document.get("Statement", [])
        statements.extend(statement if isinstance(statement, list) else [statement])
    attached = aws.call(
        lambda: iam.list_attached_role_policies(RoleName=role),
        resource=resource,
        action="iam:ListAttachedRolePolicies",
    )["AttachedPolicies"]
    result = audit(stage_policy(stage), statements)
    broader = [*result.lines(), *(f"broader than needed: managed policy {p['PolicyArn']}" for p in attached)]
    if not broader:
        return CheckResult("role", PASS, f"{role}'s inline policy grants exactly what the stage reads")
    fix = f"fix: zappa update {stage.name} (it rewrites the inline policy from attach_policy)"
    return CheckResult("role", FAIL, f"{role} differs from the stage's least privilege", [*broader, fix])


def _vpc(stage: Stage, aws: Aws) -> CheckResult:
    found = reachability(stage, aws)
    if not found.applies:
        return CheckResult("vpc", SKIP, found.summary)
    return CheckResult("vpc", FAIL if found.problems else PASS, found.summary, found.problems + found.notes)


def _error_code(exc: BaseException) -> str:
    cause = exc.__cause__
    response = getattr(cause, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
