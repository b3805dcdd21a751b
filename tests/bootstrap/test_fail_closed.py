"""Every load fails closed: answers that are not what was asked, silent merges, empty values, bad secrets.

Each case must stop the load with an error naming the source and key or call
(never a value), export nothing and cache nothing.
"""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path
from typing import Any

import pytest

import lambda_bootstrap
from lambda_bootstrap import ConfigurationError, SourceError, SourceNotFoundError
from testsupport.account import PATH, FakeAccount
from testsupport.secrets import put_current

KEYS = [f"KEY_{i:02d}" for i in range(25)]


def assert_nothing_exported(error: BaseException, account: FakeAccount) -> None:
    assert not any(key in os.environ for key in KEYS)
    assert lambda_bootstrap.current_report() is None
    account.assert_nothing_leaked(str(error), "".join(traceback.format_exception(error)))


@pytest.fixture
def manifest_stage(account: FakeAccount, stage_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """25 parameters listed in a manifest: three concurrent GetParameters batches."""
    account.parameters({key: f"value-of-{key.lower()}" for key in KEYS})
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(KEYS))
    monkeypatch.setenv("BOOTSTRAP_SSM_MANIFEST", str(manifest))
    return manifest


# --- Answers of HTTP 200 that are not what was asked ---------------------------------------


def test_a_batch_answered_empty_fails_the_load(manifest_stage: Path, account: FakeAccount, aws_calls) -> None:
    aws_calls.rewrite("GetParameters", lambda answer: {})
    with pytest.raises(SourceError, match=r"ssm:GetParameters for ssm:/shop/prod/ answered without") as raised:
        lambda_bootstrap.load()
    assert_nothing_exported(raised.value, account)


def test_a_name_left_out_of_an_answer_fails_the_load_naming_it(
    manifest_stage: Path, account: FakeAccount, aws_calls
) -> None:
    def drop_key_07(answer: dict[str, Any]) -> dict[str, Any]:
        kept = [p for p in answer["Parameters"] if not p["Name"].endswith("KEY_07")]
        return {**answer, "Parameters": kept}

    aws_calls.rewrite("GetParameters", drop_key_07)
    with pytest.raises(SourceError, match="left out /shop/prod/KEY_07") as raised:
        lambda_bootstrap.load()
    assert_nothing_exported(raised.value, account)


def test_a_name_not_asked_for_fails_the_load(manifest_stage: Path, account: FakeAccount, aws_calls) -> None:
    def add_one(answer: dict[str, Any]) -> dict[str, Any]:
        extra = {"Name": PATH + "INTRUDER", "Value": "intruder-value"}
        return {**answer, "Parameters": [*answer["Parameters"], extra]}

    aws_calls.rewrite("GetParameters", add_one)
    with pytest.raises(SourceError, match="added /shop/prod/INTRUDER"):
        lambda_bootstrap.load()


def test_a_page_answered_empty_fails_the_load(account: FakeAccount, stage_env: None, aws_calls) -> None:
    account.parameters({key: f"value-of-{key.lower()}" for key in KEYS})
    pages = iter(range(100))

    def empty_second_page(answer: dict[str, Any]) -> dict[str, Any]:
        return {} if next(pages) == 1 else answer

    aws_calls.rewrite("GetParametersByPath", empty_second_page)
    with pytest.raises(SourceError, match="ssm:GetParametersByPath for ssm:/shop/prod/") as raised:
        lambda_bootstrap.load()
    assert_nothing_exported(raised.value, account)


@pytest.mark.parametrize(
    "change",
    [lambda answer: {}, lambda answer: {**answer, "Name": "shop/prod/other"}, lambda answer: {"Name": answer["Name"]}],
    ids=["empty", "another secret", "no value"],
)
def test_a_secret_answer_that_is_not_the_secret_asked_for_fails(
    account: FakeAccount, stage_env: None, aws_calls, monkeypatch: pytest.MonkeyPatch, change: Any
) -> None:
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH")
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "api")
    account.secret("shop/prod/api", {"token": "api-token-value"})
    aws_calls.rewrite("GetSecretValue", change)
    with pytest.raises(SourceError, match="secretsmanager:shop/prod/api"):
        lambda_bootstrap.load()
    assert "API_TOKEN" not in os.environ


# --- No silent merge -----------------------------------------------------------------------


def test_two_names_on_one_key_in_different_batches_conflict(
    manifest_stage: Path, account: FakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    account.parameter(PATH + "db/host", "host-one")
    account.parameter(PATH + "DB_HOST", "host-two")
    manifest_stage.write_text(json.dumps(["db/host", *KEYS, "DB_HOST"]))  # first and last batch
    with pytest.raises(ConfigurationError, match="DB_HOST is produced by both ssm:/shop/prod/db/host and") as raised:
        lambda_bootstrap.load()
    assert_nothing_exported(raised.value, account)


def test_fields_that_differ_only_in_case_conflict(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH")
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "api")
    account.secret("shop/prod/api", {"token": "lower-token-value", "TOKEN": "upper-token-value"})
    with pytest.raises(ConfigurationError, match=r"API_TOKEN is produced by both .*field token and .*field TOKEN"):
        lambda_bootstrap.load()


def test_an_rds_secrets_own_url_field_conflicts_with_the_built_url(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH")
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "database")
    fields = {"engine": "postgres", "host": "db", "username": "u", "password": "rds-password-1"}
    account.secret("shop/prod/database", {**fields, "url": "postgres://other-url-value/db"})
    with pytest.raises(ConfigurationError, match=r"DATABASE_URL is produced by both .*field url and .*built from"):
        lambda_bootstrap.load()
    assert "DATABASE_URL" not in os.environ


def test_every_conflict_is_named_in_one_error(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH")
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "=shop/prod/one,=shop/prod/two")
    account.secret("shop/prod/one", {"alpha": "alpha-one-value", "beta": "beta-one-value"})
    account.secret("shop/prod/two", {"ALPHA": "alpha-two-value", "BETA": "beta-two-value"})
    with pytest.raises(ConfigurationError) as raised:
        lambda_bootstrap.load()
    assert list(raised.value.keys) == ["ALPHA", "BETA"]


# --- Required means non-empty, whichever side supplied it -----------------------------------


def test_an_empty_value_in_the_environment_does_not_satisfy_required(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    account.parameters({"DB_HOST": "db.internal"})
    monkeypatch.setenv("DB_HOST", "")  # the environment wins by default, so the key would end up empty
    monkeypatch.setenv("BOOTSTRAP_REQUIRED", "DB_HOST")
    with pytest.raises(ConfigurationError, match="DB_HOST"):
        lambda_bootstrap.load()
    assert os.environ["DB_HOST"] == ""  # untouched: nothing exported


def test_a_blank_fetched_value_does_not_satisfy_required(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    account.parameters({"DB_HOST": " "})
    monkeypatch.setenv("BOOTSTRAP_REQUIRED", "DB_HOST")
    with pytest.raises(ConfigurationError, match="DB_HOST"):
        lambda_bootstrap.load()


# --- Malformed secrets ----------------------------------------------------------------------


def test_an_rds_secret_with_a_null_password_is_rejected_naming_the_field(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH")
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "database")
    fields = {"engine": "postgres", "host": "db-host-value", "username": "app-user", "password": None}
    account.secret("shop/prod/database", fields)
    with pytest.raises(ConfigurationError, match="secretsmanager:shop/prod/database: field password is null"):
        lambda_bootstrap.load()
    assert "DATABASE_URL" not in os.environ and "DATABASE_PASSWORD" not in os.environ


def test_a_secret_nested_too_deeply_is_a_format_error_naming_it(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH")
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "deep")
    account.secrets.create_secret(Name="shop/prod/deep", SecretString='{"a":' * 50_000 + "1" + "}" * 50_000)
    with pytest.raises(ConfigurationError, match="secretsmanager:shop/prod/deep is a secret nested too deeply"):
        lambda_bootstrap.load()


# --- Errors that name what happened ---------------------------------------------------------


def test_validation_is_refused_not_unavailable(account: FakeAccount, stage_env: None, aws_calls) -> None:
    account.parameters({"SECRET_KEY": "prod-secret-key-value"})
    aws_calls.fail("GetParametersByPath", "ValidationException")
    with pytest.raises(SourceError) as raised:
        lambda_bootstrap.load()
    error = raised.value
    assert (error.resource, error.action, error.code) == (
        "ssm:/shop/prod/",
        "ssm:GetParametersByPath",
        "ValidationException",
    )
    assert aws_calls.counts["GetParametersByPath"] == 1  # not retried


def test_not_found_carries_the_aws_code(account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH")
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "absent")
    with pytest.raises(SourceNotFoundError) as raised:
        lambda_bootstrap.load()
    assert raised.value.code == "ResourceNotFoundException"
    assert raised.value.resource == "secretsmanager:shop/prod/absent"


# --- Values in the wrong place, and keys that would change the process ----------------------


def bundle_stage(account: FakeAccount, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH")
    monkeypatch.setenv("BOOTSTRAP_BUNDLE", "config")
    account.secrets.create_secret(Name="shop/prod/config", SecretString=text)


def test_a_field_given_twice_is_refused_not_resolved(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle_stage(account, monkeypatch, '{"SECRET_KEY": "first-value-1", "SECRET_KEY": "second-value-2"}')
    with pytest.raises(ConfigurationError, match="holds the field SECRET_KEY twice") as raised:
        lambda_bootstrap.load()
    assert "first-value-1" not in str(raised.value) and "second-value-2" not in str(raised.value)
    assert "SECRET_KEY" not in os.environ


@pytest.mark.parametrize("key", ["LD_PRELOAD", "PYTHONSTARTUP", "HTTPS_PROXY", "AWS_ENDPOINT_URL_STS", "BOOTSTRAP_X"])
def test_a_key_that_would_change_the_process_is_refused(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    bundle_stage(account, monkeypatch, json.dumps({"SECRET_KEY": "fine-value-1", key: "/tmp/evil-value"}))
    with pytest.raises(ConfigurationError, match="reserved"):
        lambda_bootstrap.load()
    assert key not in os.environ or os.environ[key] != "/tmp/evil-value"


def test_a_long_malformed_key_is_not_echoed(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = "Zq8" * 20
    bundle_stage(account, monkeypatch, json.dumps({f"HEALTH_TOKEN={canary}": ""}))
    with pytest.raises(ConfigurationError) as raised:
        lambda_bootstrap.load()
    assert canary[:12] not in str(raised.value)
    assert "a name of 73 characters" in str(raised.value) and "not shown" in str(raised.value)


def test_an_invisible_required_value_is_blank(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle_stage(account, monkeypatch, json.dumps({"SECRET_KEY": "\u200b\ufeff"}))
    monkeypatch.setenv("BOOTSTRAP_REQUIRED", "SECRET_KEY")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        lambda_bootstrap.load()


def test_an_rds_host_that_would_rewrite_the_url_is_refused(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH")
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "database")
    host = "evil.invalid:6543/otherdb?sslmode=disable#"
    account.secret("shop/prod/database", {"engine": "postgres", "host": host, "username": "u", "password": "pw-1234"})
    with pytest.raises(ConfigurationError, match="field host is not a host name") as raised:
        lambda_bootstrap.load()
    assert "evil" not in str(raised.value)


def test_an_arn_answer_for_a_longer_named_secret_is_refused(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch, aws_calls
) -> None:
    account.secret("shop/prod/config", {"SECRET_KEY": "real-value-1"})
    arn = account.secrets.describe_secret(SecretId="shop/prod/config")["ARN"]
    asked = arn[: -len("-AbCdEf")]  # a partial ARN, as an operator writes it
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH")
    monkeypatch.setenv("BOOTSTRAP_SECRETS", f"={asked}")
    lambda_bootstrap.load()  # the real answer: the partial ARN plus the 6-character suffix
    lambda_bootstrap.loader.default().reset()
    aws_calls.rewrite("GetSecretValue", lambda answer: {**answer, "ARN": asked + "-legacy-AbCdEf"})
    with pytest.raises(SourceError, match="answered for another secret"):
        lambda_bootstrap.load()


def test_a_refresh_that_would_blank_a_required_key_changes_nothing(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle_stage(account, monkeypatch, json.dumps({"SECRET_KEY": "working-key-1"}))
    monkeypatch.setenv("BOOTSTRAP_REQUIRED", "SECRET_KEY")
    lambda_bootstrap.load()
    put_current(account.secrets, "shop/prod/config", json.dumps({"SECRET_KEY": " "}))
    with pytest.raises(ConfigurationError):
        lambda_bootstrap.refresh("SECRET_KEY", max_age=0)
    assert os.environ["SECRET_KEY"] == "working-key-1"


@pytest.mark.parametrize("key", ["BASH_ENV", "SSLKEYLOGFILE", "PGSSLMODE", "OPENSSL_CONF", "NODE_OPTIONS"])
def test_more_keys_that_would_change_the_process_are_refused(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    bundle_stage(account, monkeypatch, json.dumps({"SECRET_KEY": "fine-value-1", key: "$(id>/tmp/pwned)"}))
    with pytest.raises(ConfigurationError, match="reserved"):
        lambda_bootstrap.load()


@pytest.mark.parametrize("value", ["bad\u0000value", "bad\ud800value"], ids=["NUL", "lone surrogate"])
def test_a_value_no_environment_can_hold_fails_before_anything_is_exported(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    bundle_stage(account, monkeypatch, json.dumps({"AAA_FIRST": "exported-first-1", "ZZZ": value}))
    with pytest.raises(ConfigurationError, match="cannot be exported as ZZZ"):
        lambda_bootstrap.load()
    assert "AAA_FIRST" not in os.environ  # all or nothing: nothing was exported before the bad value
    assert lambda_bootstrap.current_report() is None


def test_blank_looking_letters_are_blank(account: FakeAccount, stage_env: None, monkeypatch) -> None:
    bundle_stage(account, monkeypatch, json.dumps({"SECRET_KEY": "\u3164" * 50 + "\u2800" * 5}))
    monkeypatch.setenv("BOOTSTRAP_REQUIRED", "SECRET_KEY")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        lambda_bootstrap.load()


def test_a_mixed_case_name_that_may_be_a_value_is_not_echoed(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "dGhpc2lzdGhlY2FuYXJ5dGFpbA"  # base64, on a line of its own: a value, not a name
    bundle_stage(account, monkeypatch, json.dumps({name + "==": ""}))
    with pytest.raises(ConfigurationError) as raised:
        lambda_bootstrap.load()
    assert name[:6] not in str(raised.value) and "not shown" in str(raised.value)


def test_a_full_arn_must_be_answered_by_that_secret_exactly(
    account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch, aws_calls
) -> None:
    account.secret("shop/prod/config", {"SECRET_KEY": "real-value-1"})
    arn = account.secrets.describe_secret(SecretId="shop/prod/config")["ARN"]
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH")
    monkeypatch.setenv("BOOTSTRAP_SECRETS", f"={arn}")
    aws_calls.rewrite("GetSecretValue", lambda answer: {**answer, "ARN": arn + "-Zz9Zz9"})
    with pytest.raises(SourceError, match="answered for another secret"):
        lambda_bootstrap.load()
