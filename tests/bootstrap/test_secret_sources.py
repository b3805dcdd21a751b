"""Loading Secrets Manager secrets: many at once, JSON, plain, RDS, binary."""

from __future__ import annotations

import base64
import os

import dj_database_url
import pytest

import lambda_bootstrap
from lambda_bootstrap import ConfigurationError
from testsupport.account import FakeAccount


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch, stage_env: None) -> None:
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH")


def test_more_than_twenty_secrets_each_one_call(
    account: FakeAccount, secrets_env: None, aws_calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"svc{i:02d}" for i in range(22)]
    for i, name in enumerate(names):
        account.secret(f"shop/prod/{name}", {"token": f"token-value-{i:02d}"})
    monkeypatch.setenv("BOOTSTRAP_SECRETS", ",".join(names))
    aws_calls.reset()

    report = lambda_bootstrap.load()

    for i, name in enumerate(names):
        assert os.environ[f"{name.upper()}_TOKEN"] == f"token-value-{i:02d}"
    assert dict(aws_calls.counts) == {"GetSecretValue": 22}
    assert report.sources["SVC07_TOKEN"] == "secretsmanager:shop/prod/svc07"


def test_json_plain_and_rds_secrets_together(
    account: FakeAccount, secrets_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    account.secret("shop/prod/api", {"stripe_key": "sk_live_value", "retries": 3})
    account.secret("shop/prod/signing-token", "plain-signing-token")
    account.secret(
        "shop/prod/database",
        {
            "engine": "postgres",
            "host": "db",
            "port": 5432,
            "username": "shop",
            "password": "p@ss/w:rd",
            "dbname": "shop",
        },
    )
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "api,signing-token,database")

    lambda_bootstrap.load()

    assert os.environ["API_STRIPE_KEY"] == "sk_live_value"
    assert os.environ["API_RETRIES"] == "3"
    assert os.environ["SIGNING_TOKEN"] == "plain-signing-token"
    assert dj_database_url.parse(os.environ["DATABASE_URL"])["PASSWORD"] == "p@ss/w:rd"


def test_binary_secret_is_an_error_unless_asked_for(
    account: FakeAccount, secrets_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    account.secret("shop/prod/cert", b"\x00\x01binary-certificate")
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "cert")
    with pytest.raises(ConfigurationError, match="secretsmanager:shop/prod/cert is a binary secret"):
        lambda_bootstrap.load()

    lambda_bootstrap.loader.default().reset()
    monkeypatch.setenv("BOOTSTRAP_BINARY_SECRETS", "base64")
    lambda_bootstrap.load()
    assert base64.b64decode(os.environ["CERT"]) == b"\x00\x01binary-certificate"
