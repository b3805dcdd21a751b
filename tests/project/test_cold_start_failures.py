"""A cold start with a bad value or a source down fails as a whole, naming the key or source, never a value.

Each case is a fresh process through the real path: the bootstrap against
moto's server, then the Lambda settings module, then a management command.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import boto3
import pytest

from testsupport.aws_proxy import AwsProxy
from testsupport.django_project import lambda_environment, run_manage
from testsupport.leaks import assert_nothing_leaked
from testsupport.stage import seed_stage, update_bundle

pytestmark = pytest.mark.e2e  # each cold start is a fresh interpreter

APP, STAGE = "coldstart", "prod"


@pytest.fixture
def lambda_env(moto_endpoint: str, postgres_url: str) -> dict[str, str]:
    """Stage prod seeded in moto, and the environment Zappa's handler leaves before the bootstrap."""
    seed_stage(APP, STAGE, postgres_url)
    return lambda_environment(moto_endpoint, app=APP, stage=STAGE)


def put_parameter(key: str, value: str) -> None:
    update_bundle(APP, STAGE, {key: value})


@pytest.mark.parametrize(
    ("key", "malformed", "message"),
    [
        ("DATABASE_CONN_MAX_AGE", "sixty-secret-seconds", "DATABASE_CONN_MAX_AGE must be an integer"),
        ("SECURE_HSTS_SECONDS", "a-secret-year", "SECURE_HSTS_SECONDS must be an integer"),
        ("SECURE_SSL_REDIRECT", "secretly-maybe", "SECURE_SSL_REDIRECT must be a boolean"),
    ],
)
def test_a_malformed_parameter_stops_the_cold_start_naming_the_key(
    lambda_env: dict[str, str], key: str, malformed: str, message: str
) -> None:
    put_parameter(key, malformed)
    result = run_manage("check", env=lambda_env)
    assert result.returncode != 0
    assert f"ConfigurationError: {message}" in result.stderr
    assert_nothing_leaked([malformed], result.stderr, result.stdout)


def test_an_invalid_database_url_is_named_without_its_password(lambda_env: dict[str, str]) -> None:
    put_parameter("DATABASE_URL", "nosuchscheme://app:hunter2-secret-password@db:5432/app")
    env = {**lambda_env, "BOOTSTRAP_SECRETS": ""}  # the URL comes from SSM alone
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "ConfigurationError: DATABASE_URL must be a postgres/postgresql URL naming a database" in result.stderr
    assert_nothing_leaked(["hunter2-secret-password"], result.stderr, result.stdout)


def test_a_secret_with_malformed_json_is_named_without_its_content(lambda_env: dict[str, str]) -> None:
    broken = '{"token": "api-secret-token-value", "scopes": ['
    boto3.client("secretsmanager").create_secret(Name=f"{APP}/{STAGE}/api", SecretString=broken)
    result = run_manage("check", env={**lambda_env, "BOOTSTRAP_SECRETS": "database,api"})
    assert result.returncode != 0
    assert "ConfigurationError: secretsmanager:coldstart/prod/api looks like a JSON object but does not parse" in (
        result.stderr
    )
    assert_nothing_leaked(["api-secret-token-value"], result.stderr, result.stdout)


def test_secrets_manager_down_stops_django_naming_the_source(
    lambda_env: dict[str, str], moto_endpoint: str, postgres_url: str
) -> None:
    with AwsProxy(moto_endpoint, fault_rate=1.0, only=("secretsmanager.",), seed=3) as proxy:
        result = run_manage("shell", "-c", "print('django started')", env={**lambda_env, "AWS_ENDPOINT_URL": proxy.url})
    assert result.returncode != 0
    assert "django started" not in result.stdout
    # SourceUnavailableError when the attempts run out, SourceUnavailableError (its subclass) when time does first
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(
        ("lambda_bootstrap.errors.SourceUnavailableError:", "lambda_bootstrap.errors.SourceUnavailableError:")
    )
    assert "secretsmanager:GetSecretValue on secretsmanager:coldstart/prod/" in error
    assert proxy.stats.requests["secretsmanager.GetSecretValue"] >= 2
    assert "django started" not in result.stdout
    assert_nothing_leaked([str(urlsplit(postgres_url).password)], result.stderr, result.stdout)
