"""``roll``: what the stage's traffic reaches gets a version of the sources (never a value); a cold start reads anew.

moto gaps met here (docs/testing.md): it ignores SnapStart and every RevisionId
precondition, and has no provisioned-concurrency API (testsupport/moto_gaps.py
answers its read as AWS does).
"""

from __future__ import annotations

import datetime
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
from testsupport.moto_gaps import ProvisionedConcurrency
from testsupport.stage import STRONG_SECRET_KEY, deploy_function, seed_stage, update_bundle

from .tooling import run

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = str(ROOT / "zappa_settings.json")
DATABASE_URL = "postgres://app:Db-Pa55word-xyz@db.internal.example:5432/coldstart"
FUNCTION = "coldstart-prod"
NEW_SECRET_KEY = "rotated-" + "Vb8#" * 12


def create_function(alias: str = "snapstart") -> None:
    """prod as Zappa deploys it: SnapStart, invoked through the ``snapstart`` alias (version 1)."""
    deploy_function(FUNCTION, {"INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT": "true"}, alias=alias)


def function_variables(qualifier: str | None = None) -> dict[str, str]:
    extra = {"Qualifier": qualifier} if qualifier else {}
    configuration = boto3.client("lambda").get_function_configuration(FunctionName=FUNCTION, **extra)
    return dict(configuration["Environment"]["Variables"])


def alias_version(alias: str = "snapstart") -> str:
    return str(boto3.client("lambda").get_alias(FunctionName=FUNCTION, Name=alias)["FunctionVersion"])


def invoked_variables(alias: str = "snapstart") -> dict[str, str]:
    """The environment of what the alias invokes (moto answers an alias's configuration with its version's)."""
    return function_variables(alias_version(alias))


def cold_start(monkeypatch: pytest.MonkeyPatch) -> str:
    """A new container of what the alias invokes: the stage's environment plus its variables, then the bootstrap."""
    stage = load_stage("prod", SETTINGS)
    for key in [k for k in os.environ if k.startswith("BOOTSTRAP_") or k in {"SECRET_KEY", "ALLOWED_HOSTS"}]:
        monkeypatch.delenv(key)
    for key, value in {**stage.environment, **invoked_variables()}.items():
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
    # SnapStart: the alias API Gateway invokes moved to a new version (a new snapshot) carrying it
    assert alias_version() == "2"
    assert invoked_variables() == variables
    assert "invoked as $LATEST, snapstart (from the stage's settings (no REST API found))" in first.out
    assert f"alias snapstart: version 1 -> 2 (BOOTSTRAP_CONFIG_VERSION (unset) -> {version})" in first.out
    again = run("roll", "prod", "--settings", SETTINGS)
    assert "$LATEST, alias snapstart (version 2): already run it: nothing to roll" in again.out
    assert (function_variables()[VERSION_VARIABLE], alias_version()) == (version, "2")

    env = tmp_path / ".env.prod"
    env.write_text(f"SECRET_KEY={NEW_SECRET_KEY}\n")
    pushed = run("push", "prod", "--from", str(env), "--settings", SETTINGS, "--yes", "--roll")
    assert pushed.code == 0, pushed.text
    rolled = function_variables()
    assert rolled[VERSION_VARIABLE] != version
    assert (alias_version(), invoked_variables()) == ("3", rolled)
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


@pytest.fixture
def ssm_time(monkeypatch: pytest.MonkeyPatch) -> list[datetime.datetime]:
    """The time moto's SSM stamps on a parameter it writes (LastModifiedDate): ``ssm_time[0]``."""
    import moto.ssm.models

    now = [datetime.datetime(2026, 12, 1, 12, 0, 0)]
    monkeypatch.setattr(moto.ssm.models, "utcnow", lambda: now[0])
    return now


def test_the_version_is_of_version_ids_not_of_values(
    project: Path, account: FakeAccount, ssm_time: list[datetime.datetime]
) -> None:
    """Same names, version ids and times, other values: the same version. So nothing in it derives from a value."""
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


def test_a_parameter_deleted_and_written_again_is_a_new_version(
    project: Path, account: FakeAccount, ssm_time: list[datetime.datetime]
) -> None:
    """SSM restarts a parameter made again at version 1: its time tells the two writes apart."""
    seed_shop(account, "leaked-token-aaaa", "first-password")
    stage = load_stage("prod")
    aws = Aws(stage.region, 1)
    first = config_version(stage, aws)[0]
    account.ssm.delete_parameter(Name=f"{PATH}SECRET_KEY")
    ssm_time[0] += datetime.timedelta(minutes=5)
    account.parameters({"SECRET_KEY": "rotated-token-bbbb"})  # version 1 again
    assert account.ssm.get_parameter(Name=f"{PATH}SECRET_KEY")["Parameter"]["Version"] == 1
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


def wire_rest_api(qualifier: str | None) -> None:
    """A REST API named after the function, as Zappa makes it, whose proxy method invokes ``qualifier``."""
    apigateway = boto3.client("apigateway")
    api = apigateway.create_rest_api(name=FUNCTION)["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    proxy = apigateway.create_resource(restApiId=api, parentId=root, pathPart="{proxy+}")["id"]
    function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}" + (f":{qualifier}" if qualifier else "")
    apigateway.put_method(restApiId=api, resourceId=proxy, httpMethod="ANY", authorizationType="NONE")
    apigateway.put_integration(
        restApiId=api,
        resourceId=proxy,
        httpMethod="ANY",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations",
    )


def test_the_alias_the_rest_api_invokes_is_rolled_whatever_the_settings_say(account: FakeAccount) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    create_function(alias="live")  # an adopter's alias, wired by hand
    wire_rest_api("live")
    rolled = run("roll", "prod", "--settings", SETTINGS)
    assert rolled.code == 0, rolled.text
    assert "invoked as $LATEST, live (from REST API coldstart-prod's integrations)" in rolled.out
    assert alias_version("live") == "2"
    assert invoked_variables("live")[VERSION_VARIABLE] == function_variables()[VERSION_VARIABLE]


def test_qualifier_names_the_alias_where_no_rest_api_says(account: FakeAccount) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    create_function(alias="live")
    rolled = run("roll", "prod", "--settings", SETTINGS, "--qualifier", "live")
    assert rolled.code == 0, rolled.text
    assert alias_version("live") == "2"


def test_an_alias_that_is_not_there_is_named_and_nothing_is_rolled(account: FakeAccount) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    create_function(alias="live")  # the settings say snapstart: Zappa never made that alias
    refused = run("roll", "prod", "--settings", SETTINGS)
    assert refused.code == 2
    assert "alias snapstart of Lambda function coldstart-prod does not exist" in refused.err
    assert VERSION_VARIABLE not in function_variables()


def test_what_a_roll_cannot_reach_is_refused_before_anything_is_written(
    account: FakeAccount, provisioned_concurrency: ProvisionedConcurrency
) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    create_function()
    aws_lambda = boto3.client("lambda")

    wire_rest_api("1")  # API Gateway invokes a version number
    refused = run("roll", "prod", "--settings", SETTINGS)
    assert refused.code == 2
    assert "invoked as version 1, and a published version's configuration never changes" in refused.err

    provisioned_concurrency.provisioned[(FUNCTION, "snapstart")] = 5
    refused = run("roll", "prod", "--settings", SETTINGS, "--qualifier", "snapstart")
    assert refused.code == 2
    assert "alias snapstart has provisioned concurrency" in refused.err and "zappa update" in refused.err
    provisioned_concurrency.provisioned.clear()

    aws_lambda.update_function_configuration(FunctionName=FUNCTION, Description="v2")
    aws_lambda.publish_version(FunctionName=FUNCTION)
    aws_lambda.update_alias(
        FunctionName=FUNCTION, Name="snapstart", RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}}
    )
    refused = run("roll", "prod", "--settings", SETTINGS, "--qualifier", "snapstart")
    assert refused.code == 2
    assert "alias snapstart splits traffic between versions 1 and 2" in refused.err

    assert VERSION_VARIABLE not in function_variables()
    assert alias_version() == "1"


def test_an_endpoint_without_the_provisioned_concurrency_api_stops_the_roll(
    account: FakeAccount, provisioned_concurrency: ProvisionedConcurrency
) -> None:
    """moto's server (the docs' no-AWS path) answers it 404 with no AWS error: not taken for "none"."""
    seed_stage("coldstart", "prod", DATABASE_URL)
    create_function()
    provisioned_concurrency.bridged = False
    refused = run("roll", "prod", "--settings", SETTINGS)
    assert refused.code == 2
    assert "cannot tell whether alias snapstart has provisioned concurrency" in refused.err
    assert "answered HTTP 404 with no AWS error" in refused.err
    assert VERSION_VARIABLE not in function_variables()


def test_a_stage_without_an_alias_rolls_latest(account: FakeAccount) -> None:
    seed_stage("coldstart", "staging", DATABASE_URL)
    deploy_function("coldstart-staging", {})
    rolled = run("roll", "staging", "--settings", SETTINGS)
    assert rolled.code == 0, rolled.text
    assert "invoked as $LATEST (from the stage's settings (no REST API found))" in rolled.out
    configuration = boto3.client("lambda").get_function_configuration(FunctionName="coldstart-staging")
    assert VERSION_VARIABLE in configuration["Environment"]["Variables"]
