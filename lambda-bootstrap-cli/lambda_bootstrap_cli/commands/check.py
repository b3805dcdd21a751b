"""``check <stage>``: is the stage ready to deploy? Each check by name, exit status 1 if one fails.

- sources: every declared source reads, and together they would load by the
  cold start's own rules (:func:`lambda_bootstrap.rules.stage_values`: key
  syntax, reserved keys, values no process can hold, two producers of one
  key); a manifest (if any) matches the path;
- required: every ``BOOTSTRAP_REQUIRED`` key is set and not blank, as the cold
  start judges it;
- values: every value parses by the stage's declared schema (SKIP when the
  stage declares none);
- database: where each database URL points (proxy or instance, never the
  host), IAM auth's declaration, the connections a burst needs;
- policy-file: the ``attach_policy`` document (plus ``extra_permissions``)
  grants exactly what ``policy <stage>`` prints, the app's grants included;
- role: the same for the role's inline policies in IAM, once the role exists;
- burst: the closed-form burst ceiling of the stage's sources (:mod:`..burst`)
  reaches its reserved concurrency and its declared target;
- vpc: with ``vpc_config``, the function's subnets reach SSM and Secrets
  Manager through a NAT gateway or interface endpoints (:mod:`..vpc`);
- age, unique, encryption: the seed's secret hygiene (:mod:`..hygiene`): a
  secret older than ``--max-age-days`` is a WARN, which does not fail the check.

It reads what the Lambda reads, with the caller's credentials; an AWS call
that is denied or unreachable stops it with exit status 2. Every row is shown,
even when an earlier one fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lambda_bootstrap import ssm
from lambda_bootstrap.errors import (
    AccessDeniedError,
    BootstrapError,
    ConfigurationError,
    SourceError,
    SourceUnavailableError,
)
from lambda_bootstrap.merge import Entry
from lambda_bootstrap.schema import DatabaseUrl
from lambda_bootstrap.sources import sources_for

from .. import database, hygiene
from ..aws import Aws
from ..burst import RESERVED_SETTING, BurstOptions, Quotas, assess
from ..check_rows import FAIL, PASS, SKIP, WARN, CheckResult
from ..console import Console
from ..errors import ToolError
from ..policy import expected_statements
from ..policy_audit import audit
from ..stage import Stage, load_stage
from ..validation import UNTYPED, StageJudgement, judge
from ..vpc import reachability
from . import shared
from .shared import Commands

__all__ = ["CheckResult", "check", "register", "run_checks"]


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "check", parents=[common], help="sources, value types, database, the role's policy, burst ceiling, VPC"
    )
    parser.add_argument("--ssm-tps", type=_positive, metavar="TPS", help="the account's SSM quota (default: 40)")
    parser.add_argument(
        "--ssm-higher-throughput",
        action="store_true",
        help="SSM's paid higher throughput: GetParameters 3,000 TPS, GetParametersByPath 100",
    )
    parser.add_argument(
        "--secrets-tps", type=_positive, metavar="TPS", help="the GetSecretValue quota (default: 10,000)"
    )
    parser.add_argument(
        "--burst-target",
        type=shared.whole_number,
        metavar="N",
        help="cold starts at once the stage must serve (default: BOOTSTRAP_BURST_TARGET, if set)",
    )
    parser.add_argument(
        "--max-age-days",
        type=shared.whole_number,
        default=hygiene.DEFAULT_MAX_AGE_DAYS,
        metavar="N",
        help=f"warn about a secret unchanged for longer (default: {hygiene.DEFAULT_MAX_AGE_DAYS})",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    quotas = Quotas.chosen(
        ssm_tps=args.ssm_tps, secrets_tps=args.secrets_tps, ssm_higher_throughput=args.ssm_higher_throughput
    )
    return check(
        args.stage,
        settings_file=args.settings,
        burst=BurstOptions(quotas, args.burst_target),
        max_age_days=args.max_age_days,
        console=console,
    )


def check(
    stage_name: str,
    *,
    settings_file: str | None = None,
    burst: BurstOptions | None = None,
    max_age_days: int = hygiene.DEFAULT_MAX_AGE_DAYS,
    console: Console,
) -> int:
    stage = load_stage(stage_name, settings_file)
    console.say(f"check {stage.name} ({stage.settings_file.name}, {stage.region})")
    results = run_checks(stage, Aws(stage.region, stage.bootstrap.max_attempts), console, burst, max_age_days)
    failed = [r.name for r in results if r.status == FAIL]
    warned = [r.name for r in results if r.status == WARN]
    advice = f" ({len(warned)} warning(s): {', '.join(warned)})" if warned else ""
    console.say(f"result: {'FAIL (' + ', '.join(failed) + ')' if failed else 'PASS'}{advice}")
    return 1 if failed else 0


def run_checks(
    stage: Stage,
    aws: Aws,
    console: Console,
    burst: BurstOptions | None = None,
    max_age_days: int = hygiene.DEFAULT_MAX_AGE_DAYS,
) -> list[CheckResult]:
    results: list[CheckResult] = []

    def record(result: CheckResult) -> None:
        results.append(result)
        console.say(f"  {result.status}  {result.name:<12} {result.summary}")
        for detail in result.details:
            console.say(f"        {detail}")

    entries, verdict, sources = _sources(stage, aws)
    record(sources)
    record(_required(stage, verdict))
    record(_values(verdict))
    values = {entry.key: entry.value for entry in entries}
    record(_database(stage, values, verdict))
    record(_policy_file(stage))
    record(_role(stage, aws))
    record(_burst(stage, aws, burst or BurstOptions()))
    record(_vpc(stage, aws))
    secrets = hygiene.describe_secrets(stage, aws)
    record(hygiene.age(secrets, max_age_days))
    record(hygiene.unique(stage, aws, entries, verdict.schema))
    record(hygiene.encryption(stage, aws, secrets))
    return results


def _sources(stage: Stage, aws: Aws) -> tuple[list[Entry], StageJudgement, CheckResult]:
    """Each source through the cold start's own fetch path, then the whole through its rules; every problem listed."""
    settings = stage.bootstrap
    problems: list[str] = []
    try:
        sources = sources_for(settings, stage.root)
    except ConfigurationError as exc:  # a manifest that cannot be read: still check the rest, by path
        problems.append(str(exc))
        sources = sources_for(dataclasses.replace(settings, ssm_manifest=None), stage.root)
    entries: list[Entry] = []
    counts: list[str] = []
    for source in sources:
        try:
            found = aws.fetch([source])
        except (ConfigurationError, SourceError) as exc:
            if isinstance(exc, AccessDeniedError | SourceUnavailableError) or _no_way_to_call(exc):
                raise  # the operator's credentials, region or network: exit 2, as every command
            problems.append(str(exc))
            continue
        entries.extend(found)
        counts.append(f"{source.label} ({len(found)} key(s))")
    if settings.ssm_path is not None and settings.ssm_manifest is not None:
        problems.extend(_manifest_problems(stage, settings.ssm_path, aws))
    verdict = judge(stage, entries)
    if verdict.load_error:
        problems.append(verdict.load_error)
    summary = "read " + (", ".join(counts) or "nothing")
    return entries, verdict, CheckResult("sources", FAIL if problems else PASS, summary, problems)


def _required(stage: Stage, verdict: StageJudgement) -> CheckResult:
    required = stage.bootstrap.required
    if verdict.missing:
        return CheckResult(
            "required", FAIL, f"missing or blank: {', '.join(verdict.missing)}", ["(BOOTSTRAP_REQUIRED)"]
        )
    return CheckResult("required", PASS, f"all {len(required)} set: {', '.join(required) or 'none declared'}")


def _no_way_to_call(exc: BaseException) -> bool:
    """No credentials or no region: botocore refused before any request (not a problem of the stage's content)."""
    return type(exc.__cause__).__name__ in {"NoCredentialsError", "NoRegionError", "PartialCredentialsError"}


def _manifest_problems(stage: Stage, path: str, aws: Aws) -> list[str]:
    """Names in SSM that the manifest leaves out: they would never load."""
    try:
        listed = set(ssm.read_manifest(str(stage.path(str(stage.bootstrap.ssm_manifest))), path))
        present = {p.name for p in aws.ssm_parameters(path).values()}
    except ConfigurationError:
        return []  # already reported by the source itself
    unlisted = sorted(present - listed)
    if not unlisted:
        return []
    regenerate = f"regenerate it: lambda-bootstrap manifest {stage.name}"
    return [f"in SSM but not in the manifest (never loaded; {regenerate}): {', '.join(unlisted)}"]


def _values(verdict: StageJudgement) -> CheckResult:
    if verdict.schema is None:
        return CheckResult("values", SKIP, UNTYPED)
    typed = verdict.typed
    notes = [f"not declared in the schema (typo?): {', '.join(typed.undeclared)}"] if typed.undeclared else []
    if typed.problems:
        return CheckResult("values", FAIL, f"{len(typed.problems)} value(s) break the schema", typed.problems + notes)
    summary = f"{len(typed.checked)} value(s) parse by {verdict.schema.__name__}: " + (
        ", ".join(typed.checked) or "none"
    )
    return CheckResult("values", PASS, summary, notes)


def database_url_keys(stage: Stage, values: Mapping[str, str], verdict: StageJudgement) -> list[str]:
    """The keys holding a database URL: the schema's DatabaseUrl keys, and the URL an RDS-style secret yields."""
    keys = [
        name for name, key in (verdict.schema.keys() if verdict.schema else {}).items() if isinstance(key, DatabaseUrl)
    ]
    for secret in stage.bootstrap.secrets:
        url_key = f"{secret.prefix}_URL" if secret.prefix else "DATABASE_URL"
        if url_key in values and url_key not in keys:
            keys.append(url_key)
    return keys


def _database(stage: Stage, values: dict[str, str], verdict: StageJudgement) -> CheckResult:
    """Where each database URL points (proxy or instance: the part, never the host), and a burst's connections."""
    name = "database"
    environment = {**values, **stage.environment}  # as at cold start, the function's own variables win
    try:
        iam = database.iam_declaration(stage.environment)
    except ToolError as exc:
        return CheckResult(name, FAIL, str(exc))
    targets = [
        (key, target)
        for key in database_url_keys(stage, values, verdict)
        if (target := database.database_target(environment.get(key, ""))) is not None
    ]
    if not targets:
        return CheckResult(name, SKIP, "no database URL with a host (a schema DatabaseUrl key, or an RDS secret's)")
    problems: list[str] = []
    notes: list[str] = _connection_notes(stage, problems, proxied=any(t.kind == "proxy" for _, t in targets))
    for key, target in targets:
        if target.kind == "proxy":
            notes.append(
                f"{key} is an RDS Proxy: server-side cursors pin its sessions; pass transaction_pooling=True to "
                "lambda_bootstrap.django.database() (docs/database.md)"
            )
        if iam is None:
            continue
        if target.kind == "other":
            problems.append(f"DATABASE_IAM_AUTH is on but {key}'s host is not an RDS or RDS Proxy endpoint")
        elif target.region != stage.region:
            problems.append(f"DATABASE_IAM_AUTH is on but {key}'s host is in another region than the stage")
        if target.kind != "other" and database.resource_kind(iam.resource_id) != target.kind:
            problems.append(f"DATABASE_IAM_RESOURCE_ID is not the id of {target.description}")
        if target.user != iam.user:
            problems.append(f"{key}'s user is not DATABASE_IAM_USER, the one rds-db:connect is granted on")
        if target.has_password:
            problems.append(f"DATABASE_IAM_AUTH is on but {key} carries a password: remove it")
    if iam is not None:
        notes.append("IAM auth: each connection's password is a token; rds-db:connect on DATABASE_IAM_RESOURCE_ID")
    summary = "; ".join(f"{key} points at {target.description}" for key, target in targets)
    return CheckResult(name, FAIL if problems else PASS, summary, problems + notes)


def _connection_notes(stage: Stage, problems: list[str], *, proxied: bool) -> list[str]:
    reserved = stage.config.get(RESERVED_SETTING)
    if reserved is None:
        return [
            f"no {RESERVED_SETTING} (reserved concurrency): the function scales to the account's concurrency "
            "(1,000 by default), each busy container holding its own database connection"
        ]
    if isinstance(reserved, bool) or not isinstance(reserved, int) or reserved < 0:
        problems.append(f"{RESERVED_SETTING} must be a whole number")
        return []
    needed = database.connections_needed(reserved)
    if proxied:
        return [
            f"{RESERVED_SETTING} {reserved}: the proxy multiplexes them over its share of max_connections "
            f"(MaxConnectionsPercent); straight at the database they would need max_connections >= {needed}"
        ]
    return [
        f"{RESERVED_SETTING} {reserved}: the database needs max_connections >= {needed} (one connection "
        f"per container + {database.RESERVED_CONNECTIONS} reserved), or an RDS Proxy in front"
    ]


def _policy_file(stage: Stage) -> CheckResult:
    name = "policy-file"
    fix = f"lambda-bootstrap init {stage.name} (writes the policy file and sets attach_policy)"
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
        statements = _statements(document) + list(stage.config.get("extra_permissions") or [])  # Zappa adds them
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return CheckResult(name, FAIL, f"{attach} is not a readable policy document ({type(exc).__name__})")
    result = audit(expected_statements(stage), statements)
    if result.exact:
        return CheckResult(name, PASS, f"{attach} grants exactly what the stage and the app need")
    fix = f"lambda-bootstrap policy {stage.name} > {attach}"
    return CheckResult(
        name, FAIL, f"{attach} differs from the stage's least privilege", [*result.lines(), f"fix: {fix}"]
    )


def _statements(document: Any) -> list[Any]:
    statement = document["Statement"]
    return list(statement) if isinstance(statement, list) else [statement]


def _role(stage: Stage, aws: Aws) -> CheckResult:
    role = stage.role_name
    iam = aws.client("iam")
    resource = f"IAM role {role}"
    try:
        names = aws.call(
            lambda: iam.list_role_policies(RoleName=role), resource=resource, action="iam:ListRolePolicies"
        )["PolicyNames"]
    except BootstrapError as exc:
        if getattr(exc, "code", "") not in {"NoSuchEntity", "NoSuchEntityException"}:
            raise
        return CheckResult("role", SKIP, f"{role} does not exist yet (zappa deploy creates it)")
    statements: list[Any] = []
    for policy_name in names:
        response = aws.call(
            lambda name=policy_name: iam.get_role_policy(RoleName=role, PolicyName=name),  # type: ignore[misc]
            resource=resource,
            action="iam:GetRolePolicy",
        )
        document: Any = response["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(urllib.parse.unquote(document))
        statements.extend(_statements({"Statement": document.get("Statement", [])}))
    attached = aws.call(
        lambda: iam.list_attached_role_policies(RoleName=role),
        resource=resource,
        action="iam:ListAttachedRolePolicies",
    )["AttachedPolicies"]
    result = audit(expected_statements(stage), statements)
    broader = [*result.lines(), *(f"broader than needed: managed policy {p.get('PolicyArn')}" for p in attached)]
    if not broader:
        return CheckResult("role", PASS, f"{role}'s inline policy grants exactly what the stage and the app need")
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


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0 or value != value:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value
