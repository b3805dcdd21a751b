"""``check <stage>``: is the stage ready to deploy? Each check by name, exit status 1 if one fails.

- sources: every declared source reads, maps to keys by the bootstrap's rules,
  no two produce one key, and a manifest (if any) matches the path;
- required: every ``BOOTSTRAP_REQUIRED`` key is in what the sources hold;
- values: every value parses as the type the settings read it as
  (:mod:`.value_types`);
- policy-file: the ``attach_policy`` document (plus ``extra_permissions``)
  grants exactly what ``policy <stage>`` prints, nothing missing, nothing broader;
- role: the same for the role's inline policies in IAM, once the role exists;
- burst: the closed-form burst ceiling of the stage's sources (:mod:`.burst`)
  reaches its reserved concurrency and its declared target.
- vpc: with ``vpc_config``, the function's subnets reach SSM and Secrets
  Manager through a NAT gateway or interface endpoints (:mod:`.vpc`).

It reads what the Lambda reads, with the caller's credentials; an AWS call
that is denied or unreachable stops it with exit status 2.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import ssm
from ..errors import (
    BootstrapError,
    ConfigurationError,
    InvalidKeyError,
    KeyConflictError,
    MalformedAnswerError,
    SecretFormatError,
    SourceNotFoundError,
)
from ..merge import Entry, merge
from ..sources import sources_for
from .aws import Aws
from .burst import RESERVED_SETTING, BurstOptions, assess
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


def check(
    stage_name: str, *, settings_file: str | None = None, burst: BurstOptions | None = None, console: Console
) -> int:
    stage = load_stage(stage_name, settings_file)
    console.say(f"check {stage.name} ({stage.settings_file.name}, {stage.region})")
    results = run_checks(stage, Aws(stage.region, stage.bootstrap.max_attempts), console, burst)
    failed = [r.name for r in results if r.status == FAIL]
    console.say(f"result: {'FAIL (' + ', '.join(failed) + ')' if failed else 'PASS'}")
    return 1 if failed else 0


def run_checks(stage: Stage, aws: Aws, console: Console, burst: BurstOptions | None = None) -> list[CheckResult]:
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
    record(_database(stage, values))
    record(_policy_file(stage))
    record(_role(stage, aws))
    record(_burst(stage, aws, burst or BurstOptions()))
    record(_vpc(stage, aws))
    return results


def _sources(stage: Stage, aws: Aws) -> tuple[dict[str, str], CheckResult]:
    """Each source through the cold start's own fetch path and merge; every problem listed."""
    settings = stage.bootstrap
    problems: list[str] = []
    try:
        sources = sources_for(settings, stage.root)
    except BootstrapError as exc:  # a manifest that cannot be read: still check the rest, by path
        problems.append(str(exc))
        sources = sources_for(dataclasses.replace(settings, ssm_manifest=None), stage.root)
    entries: list[Entry] = []
    counts: list[str] = []
    for source in sources:
        try:
            found = aws.fetch([source])
        except (SourceNotFoundError, MalformedAnswerError, SecretFormatError, InvalidKeyError, KeyConflictError) as exc:
            problems.append(str(exc))
            continue
        entries.extend(found)
        counts.append(f"{source.label} ({len(found)} key(s))")
    if settings.ssm_path is not None and settings.ssm_manifest is not None:
        problems.extend(_manifest_problems(stage, settings.ssm_path, aws))
    try:
        values = merge(entries).values
    except KeyConflictError as exc:
        problems.append(str(exc))
        values = merge({entry.key: entry for entry in entries}.values()).values
    summary = "read " + (", ".join(counts) or "nothing")
    return values, CheckResult("sources", FAIL if problems else PASS, summary, problems)


def _manifest_problems(stage: Stage, path: str, aws: Aws) -> list[str]:
    """Names in SSM that the manifest leaves out: they would never load."""
    try:
        listed = set(ssm.read_manifest(str(stage.path(str(stage.bootstrap.ssm_manifest))), path))
        present = {p.name for p in aws.ssm_parameters(path).values()}
    except (ConfigurationError, InvalidKeyError, KeyConflictError):
        return []  # already reported by the source itself
    unlisted = sorted(present - listed)
    if not unlisted:
        return []
    regenerate = f"regenerate it: python -m lambda_bootstrap manifest {stage.name}"
    return [f"in SSM but not in the manifest (never loaded; {regenerate}): {', '.join(unlisted)}"]


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


def _database(stage: Stage, values: dict[str, str]) -> CheckResult:
    """Where DATABASE_URL points (proxy or instance: the part, never the host), and the connections a burst needs."""
    from . import database
    from .errors import StageError

    name = "database"
    environment = {**values, **stage.environment}  # as at cold start, the function's own variables win
    try:
        iam = database.iam_declaration(stage.environment)
    except StageError as exc:
        return CheckResult(name, FAIL, str(exc))
    target = database.database_target(environment.get("DATABASE_URL", ""))
    if target is None:
        return CheckResult(name, SKIP, "no DATABASE_URL with a host in the stage's sources or environment")
    problems: list[str] = []
    notes: list[str] = []
    pooled = environment.get("DATABASE_TRANSACTION_POOLING", "").strip().lower() in {"1", "true", "yes", "on"}
    if target.kind == "proxy" and not pooled:
        notes.append(
            "DATABASE_TRANSACTION_POOLING is off: Django's server-side cursors (QuerySet.iterator()) pin the "
            "proxy's sessions; set it to true (docs/database.md)"
        )
    reserved = stage.config.get(RESERVED_SETTING)
    if reserved is None:
        notes.append(
            f"no {RESERVED_SETTING} (reserved concurrency): the function scales to the account's concurrency "
            "(1,000 by default), each busy container holding its own database connection"
        )
    elif isinstance(reserved, bool) or not isinstance(reserved, int) or reserved < 0:
        problems.append(f"{RESERVED_SETTING} must be a whole number")
    else:
        needed = database.connections_needed(reserved)
        if target.kind == "proxy":
            notes.append(
                f"{RESERVED_SETTING} {reserved}: the proxy multiplexes them over its share of max_connections "
                f"(MaxConnectionsPercent); straight at the database they would need max_connections >= {needed}"
            )
        else:
            notes.append(
                f"{RESERVED_SETTING} {reserved}: the database needs max_connections >= {needed} (one connection "
                f"per container + {database.RESERVED_CONNECTIONS} reserved), or an RDS Proxy in front"
            )
    if iam is not None:
        if target.kind == "other":
            problems.append("DATABASE_IAM_AUTH is on but DATABASE_URL's host is not an RDS or RDS Proxy endpoint")
        elif target.region != stage.region:
            problems.append("DATABASE_IAM_AUTH is on but DATABASE_URL's host is in another region than the stage")
        if target.kind != "other" and database.resource_kind(iam.resource_id) != target.kind:
            problems.append(f"DATABASE_IAM_RESOURCE_ID is not the id of {target.description}")
        if target.user != iam.user:
            problems.append("DATABASE_URL's user is not DATABASE_IAM_USER, the one rds-db:connect is granted on")
        if target.has_password:
            problems.append("DATABASE_IAM_AUTH is on but DATABASE_URL carries a password: remove it")
        notes.append("IAM auth: each connection's password is a token; rds-db:connect on DATABASE_IAM_RESOURCE_ID")
    summary = f"DATABASE_URL points at {target.description}"
    return CheckResult(name, FAIL if problems else PASS, summary, problems + notes)


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
    except SourceNotFoundError:
        return CheckResult("role", SKIP, f"{role} does not exist yet (zappa deploy creates it)")
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


def _burst(stage: Stage, aws: Aws, options: BurstOptions) -> CheckResult:
    result = assess(stage, aws, options)
    return CheckResult("burst", PASS if result.passed else FAIL, result.summary, list(result.details))


def _vpc(stage: Stage, aws: Aws) -> CheckResult:
    found = reachability(stage, aws)
    if not found.applies:
        return CheckResult("vpc", SKIP, found.summary)
    return CheckResult("vpc", FAIL if found.problems else PASS, found.summary, found.problems + found.notes)
