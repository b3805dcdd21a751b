"""``check``: each check by name; exit 1 when one fails, 2 when AWS cannot be read."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from lambda_bootstrap_cli.policy import stage_policy
from lambda_bootstrap_cli.stage import load_stage
from testsupport.account import FakeAccount
from testsupport.stage import STRONG_SECRET_KEY, seed_stage, update_bundle

from .tooling import check_rows, run

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = str(ROOT / "zappa_settings.json")
DATABASE_URL = "postgres://app:Db-Pa55word-xyz@db.internal.example:5432/coldstart"
ROLE = "coldstart-prod-ZappaLambdaExecutionRole"


@pytest.fixture
def seeded(account: FakeAccount) -> FakeAccount:
    """The project's own stage prod, seeded as an operator would."""
    seed_stage("coldstart", "prod", DATABASE_URL)
    account.seeded_values += [STRONG_SECRET_KEY, "Db-Pa55word-xyz", DATABASE_URL]
    return account


def test_a_ready_stage_passes_every_check(seeded: FakeAccount) -> None:
    result = run("check", "prod", "--settings", SETTINGS)
    assert result.code == 0, result.out + result.err
    assert check_rows(result.out) == {
        "sources": "PASS",
        "required": "PASS",
        "values": "PASS",
        "database": "PASS",
        "policy-file": "PASS",
        "role": "SKIP",
        "burst": "PASS",
        "vpc": "SKIP",
        "age": "PASS",
        "unique": "SKIP",  # staging and dev are not in AWS
        "encryption": "PASS",
    }
    assert "DATABASE_URL (a postgres/postgresql URL naming a database" in result.out
    assert "3 value(s) parse by Keys: SECRET_KEY (text, at least 50 characters, at least 5 different" in result.out
    assert "result: PASS" in result.out
    seeded.assert_nothing_leaked(result.out, result.err)


def test_missing_keys_and_values_that_do_not_parse_fail_by_name(seeded: FakeAccount) -> None:
    bad = {
        "SECURE_SSL_REDIRECT": "maybe-Bool-Val",
        "SECURE_HSTS_SECONDS": "a-year-Int-Val",
        "SENTRY_URL": "no-scheme-Url-Val",
        "FEATURES_JSON": "{not-Json-Val",
    }
    update_bundle("coldstart", "prod", {"ALLOWED_HOSTS": None, **bad})
    seeded.seeded_values += list(bad.values())
    result = run("check", "prod", "--settings", SETTINGS)
    assert result.code == 1
    lines = check_rows(result.out)
    assert lines["required"] == "FAIL" and lines["values"] == "FAIL"
    assert "missing or blank: ALLOWED_HOSTS" in result.out
    assert "SECURE_SSL_REDIRECT must be a boolean" in result.out
    assert "SECURE_HSTS_SECONDS must be an integer" in result.out
    assert "not declared in the schema (typo?): FEATURES_JSON, SENTRY_URL" in result.out
    assert "result: FAIL (required, values)" in result.out
    seeded.assert_nothing_leaked(result.out, result.err)


def test_a_database_url_the_settings_reject_fails(seeded: FakeAccount) -> None:
    update_bundle("coldstart", "prod", {"DATABASE_CONN_MAX_AGE": "sixty-Int-Val"})
    result = run("check", "prod", "--settings", SETTINGS)
    assert result.code == 1
    assert "DATABASE_CONN_MAX_AGE must be an integer" in result.out


def test_a_missing_secret_fails_sources_and_a_denied_one_is_exit_2(seeded: FakeAccount, aws_calls) -> None:
    seeded.secrets.delete_secret(SecretId="coldstart/prod/database", ForceDeleteWithoutRecovery=True)
    missing = run("check", "prod", "--settings", SETTINGS)
    assert missing.code == 1
    assert check_rows(missing.out)["sources"] == "FAIL"
    assert "secretsmanager:coldstart/prod/database does not exist" in missing.out
    aws_calls.fail("GetSecretValue", "AccessDeniedException")
    denied = run("check", "prod", "--settings", SETTINGS)
    assert denied.code == 2
    assert "secretsmanager:GetSecretValue" in denied.err


def put_role(policy: dict[str, object]) -> None:
    iam = boto3.client("iam")
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    iam.put_role_policy(RoleName=ROLE, PolicyName="zappa-permissions", PolicyDocument=json.dumps(policy))


def test_the_deployed_roles_inline_policy_is_checked_too(seeded: FakeAccount) -> None:
    exact = stage_policy(load_stage("prod", SETTINGS), account="123456789012")
    put_role(exact)
    passed = run("check", "prod", "--settings", SETTINGS)
    assert passed.code == 0, passed.out
    assert check_rows(passed.out)["role"] == "PASS"

    wildcard = {"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}
    broader = {**exact, "Statement": [*exact["Statement"], wildcard]}
    boto3.client("iam").put_role_policy(
        RoleName=ROLE, PolicyName="zappa-permissions", PolicyDocument=json.dumps(broader)
    )
    failed = run("check", "prod", "--settings", SETTINGS)
    assert failed.code == 1
    assert check_rows(failed.out)["role"] == "FAIL"
    assert "broader than needed: ssm:* on *" in failed.out


def test_a_broader_or_absent_attach_policy_fails(project: Path, account: FakeAccount) -> None:
    account.parameters({"SECRET_KEY": "a-long-secret-key-value", "ALLOWED_HOSTS": "example.com"})
    account.secret("shop/prod/database", {"password": "pw-value-long"})
    settings = json.loads((project / "zappa_settings.json").read_text(encoding="utf-8"))
    absent = run("check", "prod")
    assert absent.code == 1
    assert "no attach_policy: Zappa's default policy is used" in absent.out

    document = stage_policy(load_stage("prod"))
    document["Statement"][1]["Resource"] = ["arn:aws:ssm:us-east-1:*:parameter/shop/*"]
    (project / "policy.json").write_text(json.dumps(document), encoding="utf-8")
    settings["prod"]["attach_policy"] = "policy.json"
    (project / "zappa_settings.json").write_text(json.dumps(settings), encoding="utf-8")
    broader = run("check", "prod")
    assert broader.code == 1
    assert "missing: ssm:getparameters on arn:aws:ssm:us-east-1:*:parameter/shop/prod/*" in broader.out
    assert "broader than needed: ssm:getparametersbypath on arn:aws:ssm:us-east-1:*:parameter/shop/*" in broader.out
    account.assert_nothing_leaked(absent.out, absent.err, broader.out, broader.err)


PROXY_HOST = "shop-proxy.proxy-c9akciq32xyz.us-east-1.rds.amazonaws.com"
INSTANCE_HOST = "shop-db.c9akciq32xyz.us-east-1.rds.amazonaws.com"


def database_stage(
    project: Path, account: FakeAccount, url: str, environment: dict[str, str] | None = None, **config: object
) -> None:
    """Stage prod of the test project, DATABASE_URL in its SSM path, extra variables and settings as given."""
    account.parameters({"SECRET_KEY": "a-long-secret-key-value", "ALLOWED_HOSTS": "example.com", "DATABASE_URL": url})
    if not account.secrets.list_secrets()["SecretList"]:
        account.secret("shop/prod/database", {"password": "pw-value-long"})
    settings = json.loads((project / "zappa_settings.json").read_text(encoding="utf-8"))
    settings["prod"]["environment_variables"].update(environment or {})
    settings["prod"] = {k: v for k, v in settings["prod"].items() if k != "lambda_concurrency"} | config
    (project / "zappa_settings.json").write_text(json.dumps(settings), encoding="utf-8")


def database_lines(output: str) -> str:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[1:2] == ["database"])
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("        ")), len(lines))
    return "\n".join(lines[start:end])


def test_database_names_a_proxy_and_the_connections_reserved_concurrency_would_need(
    project: Path, account: FakeAccount
) -> None:
    iam = {
        "DATABASE_IAM_AUTH": "true",
        "DATABASE_IAM_RESOURCE_ID": "prx-0123456789abcdef0",
        "DATABASE_IAM_USER": "app_user",
        "DATABASE_TRANSACTION_POOLING": "true",
    }
    database_stage(project, account, f"postgres://app_user@{PROXY_HOST}:5432/shop", iam, lambda_concurrency=200)
    result = run("check", "prod")
    row = database_lines(result.out)
    assert row.split()[:2] == ["PASS", "database"], row
    assert "DATABASE_URL points at an RDS Proxy endpoint" in row
    assert "lambda_concurrency 200" in row and "max_connections >= 203" in row
    assert "IAM auth" in row
    assert "pass transaction_pooling=True to lambda_bootstrap.django.database()" in row  # a proxy: the advice
    assert PROXY_HOST not in result.text and "c9akciq32xyz" not in result.text


def test_database_straight_at_an_instance_names_the_max_connections_needed(project: Path, account: FakeAccount) -> None:
    database_stage(project, account, f"postgres://app:pw-value-x@{INSTANCE_HOST}:5432/shop", lambda_concurrency=50)
    row = database_lines(run("check", "prod").out)
    assert row.split()[:2] == ["PASS", "database"], row
    assert "an RDS instance endpoint" in row
    assert "the database needs max_connections >= 53" in row and "or an RDS Proxy in front" in row

    database_stage(project, account, f"postgres://app:pw-value-x@{PROXY_HOST}:5432/shop")
    row = database_lines(run("check", "prod").out)
    assert "no lambda_concurrency" in row
    assert "server-side cursors pin its sessions" in row


@pytest.mark.parametrize(
    ("url", "environment", "expected"),
    [
        (
            "postgres://app_user@db.internal.example:5432/shop",
            {},
            "DATABASE_IAM_AUTH is on but DATABASE_URL's host is not an RDS or RDS Proxy endpoint",
        ),
        (f"postgres://someone_else@{PROXY_HOST}:5432/shop", {}, "DATABASE_URL's user is not DATABASE_IAM_USER"),
        (f"postgres://app_user:Stored-Pa55@{PROXY_HOST}:5432/shop", {}, "DATABASE_URL carries a password"),
        (
            f"postgres://app_user@{INSTANCE_HOST}:5432/shop",
            {},
            "DATABASE_IAM_RESOURCE_ID is not the id of an RDS instance endpoint",
        ),
        (
            f"postgres://app_user@{PROXY_HOST}:5432/shop",
            {"DATABASE_IAM_USER": ""},
            "DATABASE_IAM_AUTH is on but DATABASE_IAM_USER not set",
        ),
    ],
)
def test_database_fails_an_iam_stage_that_cannot_connect_naming_keys_only(
    project: Path, account: FakeAccount, url: str, environment: dict[str, str], expected: str
) -> None:
    iam = {
        "DATABASE_IAM_AUTH": "on",
        "DATABASE_IAM_RESOURCE_ID": "prx-0123456789abcdef0",
        "DATABASE_IAM_USER": "app_user",
    }
    database_stage(project, account, url, {**iam, **environment})
    result = run("check", "prod")
    row = database_lines(result.out)
    assert row.split()[:2] == ["FAIL", "database"], row
    assert expected in row
    assert "result: FAIL" in result.out
    for value in ("db.internal.example", "c9akciq32xyz", "someone_else", "Stored-Pa55"):
        assert value not in result.text


def test_a_required_key_that_only_looks_set_fails_as_the_cold_start_fails_it(seeded: FakeAccount) -> None:
    update_bundle("coldstart", "prod", {"ALLOWED_HOSTS": " \u200b"})
    result = run("check", "prod", "--settings", SETTINGS)
    assert result.code == 1
    assert check_rows(result.out)["required"] == "FAIL"
    assert "missing or blank: ALLOWED_HOSTS" in result.out
