"""``roll``: the function's configuration gets a version of the sources (never a value); a cold start reads anew."""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest

import lambda_bootstrap
from lambda_bootstrap_cli.aws import Aws
from lambda_bootstrap_cli.commands.roll import VERSION_VARIABLE, config_version
from lambda_bootstrap_cli.stage import load_stage
from testsupport.account import PATH, FakeAccount
from testsupport.leaks import assert_nothing_leaked
from testsupport.stage import STRONG_SECRET_KEY, deploy_function, seed_stage, update_bundle

from .tooling import run

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = str(ROOT / "zappa_settings.json")
DATABASE_URL = "postgres://app:Db-Pa55word-xyz@db.internal.example:5432/coldstart"
FUNCTION = "coldstart-prod"
NEW_SECRET_KEY = "rotated-" + "Vb8#" * 12


def create_function() -> None:
    deploy_function(FUNCTION, {"INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT": "true"})


def function_variables() -> dict[str, str]:
    configuration = boto3.client("lambda").get_function_configuration(FunctionName=FUNCTION)
    return dict(configuration["Environment"]["Variables"])


def cold_start(monkeypatch: pytest.MonkeyPatch) -> str:
    """A new container: the stage's environment plus the function's variables, then the bootstrap."""
    stage = load_stage("prod", SETTINGS)
    for key in [k for k in os.environ if k.startswith("BOOTSTRAP_") or k in {"SECRET_KEY", "ALLOWED_HOSTS"}]:
        monkeypatch.delenv(key)
    for key, value in {**stage.environment, **function_variables()}.items():
        monkeypatch.setenv(key, value)
    lambda_bootstrap.loader.default().reset()
    lambda_bootstrap.load()
    return os.environ["SECRET_KEY"]


def test_push_roll_changes_the_functions_configuration_and_the_next_cold_start_reads_the_new_value(
    account: FakeAccount, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    create_function()
    assert cold_start(monkeypatch) == STRONG_SECRET_KEY

    first = run("roll", "prod", "--settings", SETTINGS)
    assert first.code == 0, first.text
    variables = function_variables()
    version = variables[VERSION_VARIABLE]
    assert variables == {"INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT": "true", VERSION_VARIABLE: version}
    again = run("roll", "prod", "--settings", SETTINGS)
    assert "already runs it: nothing to roll" in again.out
    assert function_variables()[VERSION_VARIABLE] == version

    env = tmp_path / ".env.prod"
    env.write_text(f"SECRET_KEY={NEW_SECRET_KEY}\n")
    pushed = run("push", "prod", "--from", str(env), "--settings", SETTINGS, "--yes", "--roll")
    assert pushed.code == 0, pushed.text
    rolled = function_variables()
    assert rolled[VERSION_VARIABLE] != version
    assert "new invocations start fresh containers" in pushed.out

    configuration = json.dumps(boto3.client("lambda").get_function_configuration(FunctionName=FUNCTION), default=str)
    assert_nothing_leaked((NEW_SECRET_KEY, STRONG_SECRET_KEY, "Db-Pa55word-xyz"), configuration, pushed.text)
    assert cold_start(monkeypatch) == NEW_SECRET_KEY


TOKEN = "c0ffee00-0000-4000-8000-000000000001"


def seed_shop(account: FakeAccount, secret_key: str, password: str) -> None:
    account.parameters({"SECRET_KEY": secret_key, "ALLOWED_HOSTS": "a.example.com"})
    account.secrets.create_secret(
        Name="shop/prod/database", SecretString=json.dumps({"password": password}), ClientRequestToken=TOKEN
    )


def test_the_version_is_of_version_ids_not_of_values(project: Path, account: FakeAccount) -> None:
    """Same names and version ids, other values: the same version. So nothing in it derives from a value."""
    seed_shop(account, "first-value-aaaa", "first-password")
    stage = load_stage("prod")
    aws = Aws(stage.region, 1)
    first, sources = config_version(stage, aws)
    assert sources == ["ssm:/shop/prod/ (2 parameter(s))", "secretsmanager:shop/prod/database"]
    for key in ("SECRET_KEY", "ALLOWED_HOSTS"):
        account.ssm.delete_parameter(Name=f"{PATH}{key}")
    account.secrets.delete_secret(SecretId="shop/prod/database", ForceDeleteWithoutRecovery=True)
    seed_shop(account, "other-value-bbbb", "other-password")
    assert config_version(stage, aws)[0] == first
    account.parameters({"SECRET_KEY": "third-value-cccc"})  # version 2
    assert config_version(stage, aws)[0] != first


def test_a_configuration_that_would_fail_every_cold_start_is_not_rolled(account: FakeAccount) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    create_function()
    update_bundle("coldstart", "prod", {"ALLOWED_HOSTS": None, "SECURE_HSTS_SECONDS": "a-year"})
    refused = run("roll", "prod", "--settings", SETTINGS)
    assert refused.code == 2
    assert (
        "not rolled: a cold start would fail now: required configuration missing or blank: ALLOWED_HOSTS" in refused.err
    )
    assert VERSION_VARIABLE not in function_variables()  # the running containers keep a configuration that works
    update_bundle("coldstart", "prod", {"ALLOWED_HOSTS": "a.example.com"})
    typed = run("roll", "prod", "--settings", SETTINGS)
    assert typed.code == 2 and "SECURE_HSTS_SECONDS must be an integer" in typed.err
    assert VERSION_VARIABLE not in function_variables()


def test_a_push_whose_roll_fails_says_it_was_pushed(account: FakeAccount, tmp_path: Path) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)  # no function deployed: the roll cannot find it
    env = tmp_path / ".env.prod"
    env.write_text(f"SECRET_KEY={NEW_SECRET_KEY}\n")
    result = run("push", "prod", "--from", str(env), "--settings", SETTINGS, "--yes", "--roll")
    assert result.code == 3, result.text
    assert "error: the write is complete, but the stage was not rolled" in result.err
    assert "finish with: lambda-bootstrap roll prod" in result.err
    assert NEW_SECRET_KEY not in result.text
