"""The whole load: sources together, precedence, required keys, caching, refresh."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading

import pytest

import lambda_bootstrap
from lambda_bootstrap import ConfigurationError, SourceNotFoundError
from testsupport.account import PATH, FakeAccount
from testsupport.clocks import FakeClock
from testsupport.secrets import put_current


@pytest.fixture
def full_stage(account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch) -> FakeAccount:
    account.parameters({"SECRET_KEY": "prod-secret-key-value", "ALLOWED_HOSTS": "shop.example.com"})
    account.secret(
        "shop/prod/database",
        {"engine": "postgres", "host": "db", "username": "shop", "password": "db-password-1", "dbname": "shop"},
    )
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "database")
    monkeypatch.setenv("BOOTSTRAP_REQUIRED", "SECRET_KEY,ALLOWED_HOSTS,DATABASE_URL")
    return account


def test_ssm_and_secrets_load_in_one_go(full_stage: FakeAccount, aws_calls) -> None:
    aws_calls.reset()
    report = lambda_bootstrap.load()
    assert os.environ["SECRET_KEY"] == "prod-secret-key-value"
    assert os.environ["DATABASE_URL"] == "postgres://shop:db-password-1@db:5432/shop"
    assert dict(aws_calls.counts) == {"GetParametersByPath": 1, "GetSecretValue": 1}
    assert report.keys_by_source() == {
        f"ssm:{PATH}": ["ALLOWED_HOSTS", "SECRET_KEY"],
        "secretsmanager:shop/prod/database": [
            "DATABASE_DBNAME",
            "DATABASE_ENGINE",
            "DATABASE_HOST",
            "DATABASE_PASSWORD",
            "DATABASE_URL",
            "DATABASE_USERNAME",
        ],
    }
    assert "db-password-1" not in repr(report)


def test_warm_invocations_make_no_aws_call(full_stage: FakeAccount, aws_calls) -> None:
    first = lambda_bootstrap.load()
    aws_calls.reset()
    for _ in range(100):
        assert lambda_bootstrap.load() is first
    assert aws_calls.total == 0
    assert lambda_bootstrap.current_report() is first


def test_environment_wins_by_default_and_the_conflict_is_logged_by_name(
    full_stage: FakeAccount, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SECRET_KEY", "local-override-value")
    with caplog.at_level(logging.INFO, logger="lambda_bootstrap"):
        report = lambda_bootstrap.load()
    assert os.environ["SECRET_KEY"] == "local-override-value"
    assert report.kept_from_environment == ("SECRET_KEY",)
    assert report.sources["SECRET_KEY"] == "environment"
    assert any("SECRET_KEY is set in the environment" in r.getMessage() for r in caplog.records)
    full_stage.assert_nothing_leaked(caplog.text)
    assert "local-override-value" not in caplog.text


def test_override_switch_makes_fetched_values_win(
    full_stage: FakeAccount, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SECRET_KEY", "local-override-value")
    monkeypatch.setenv("BOOTSTRAP_OVERRIDE", "true")
    with caplog.at_level(logging.INFO, logger="lambda_bootstrap"):
        report = lambda_bootstrap.load()
    assert os.environ["SECRET_KEY"] == "prod-secret-key-value"
    assert report.overridden == ("SECRET_KEY",)
    assert any("SECRET_KEY" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    full_stage.assert_nothing_leaked(caplog.text)
    assert "local-override-value" not in caplog.text


def test_every_missing_required_key_is_listed_in_one_error(
    full_stage: FakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOTSTRAP_REQUIRED", "SECRET_KEY,SENTRY_DSN,STRIPE_KEY,DATABASE_URL")
    with pytest.raises(ConfigurationError) as raised:
        lambda_bootstrap.load()
    assert raised.value.keys == ("SENTRY_DSN", "STRIPE_KEY")
    assert "SENTRY_DSN, STRIPE_KEY" in str(raised.value)
    assert "ssm:/shop/prod/" in str(raised.value)
    assert "SECRET_KEY" not in os.environ  # nothing exported
    assert lambda_bootstrap.current_report() is None  # nothing cached: the next init retries


def test_a_required_key_can_come_from_the_environment(full_stage: FakeAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOTSTRAP_REQUIRED", "SECRET_KEY,FEATURE_FLAG")
    monkeypatch.setenv("FEATURE_FLAG", "on")
    report = lambda_bootstrap.load()  # no ConfigurationError: the environment satisfies FEATURE_FLAG
    assert os.environ["FEATURE_FLAG"] == "on"  # left as it was
    assert "FEATURE_FLAG" not in report.sources  # not fetched, not claimed by a source
    assert report.sources["SECRET_KEY"] == "ssm:/shop/prod/"
    assert os.environ["SECRET_KEY"] == "prod-secret-key-value"


def test_one_failing_source_fails_the_whole_load_naming_it(
    full_stage: FakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "database,missing-one")
    with pytest.raises(SourceNotFoundError, match="secretsmanager:shop/prod/missing-one"):
        lambda_bootstrap.load()
    assert "SECRET_KEY" not in os.environ and "DATABASE_URL" not in os.environ


def test_the_same_key_from_two_sources_is_a_conflict(full_stage: FakeAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    full_stage.parameters({"DATABASE_URL": "postgres://elsewhere/db"})
    with pytest.raises(ConfigurationError, match="DATABASE_URL is produced by both"):
        lambda_bootstrap.load()


def test_failed_load_is_retried_by_the_next_call(full_stage: FakeAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "database,later")
    with pytest.raises(SourceNotFoundError):
        lambda_bootstrap.load()
    full_stage.secret("shop/prod/later", "now-there")
    lambda_bootstrap.load()
    assert os.environ["LATER"] == "now-there"


def test_refresh_picks_up_a_rotated_secret(full_stage: FakeAccount, aws_calls) -> None:
    lambda_bootstrap.load()
    put_current(
        full_stage.secrets,
        "shop/prod/database",
        json.dumps({"engine": "postgres", "host": "db", "username": "shop", "password": "rotated-2", "dbname": "shop"}),
    )
    aws_calls.reset()
    assert lambda_bootstrap.refresh("DATABASE_URL") is False  # fresh: within the TTL, no call
    assert aws_calls.total == 0
    assert lambda_bootstrap.refresh("DATABASE_URL", max_age=0) is True
    assert dict(aws_calls.counts) == {"GetSecretValue": 1}
    assert os.environ["DATABASE_URL"] == "postgres://shop:rotated-2@db:5432/shop"
    assert lambda_bootstrap.refresh("SECRET_KEY", max_age=0) is False  # SSM keys do not refresh
    assert lambda_bootstrap.refresh("NOT_LOADED", max_age=0) is False


@pytest.mark.e2e  # a fresh interpreter
def test_no_source_configured_does_nothing_and_opens_no_socket() -> None:
    """Local development: a fresh interpreter, no BOOTSTRAP_* set, sockets forbidden."""
    code = """
import socket, sys
def refuse(*args, **kwargs):
    raise AssertionError("network call attempted")
socket.socket.connect = refuse
socket.create_connection = refuse
import lambda_bootstrap
report = lambda_bootstrap.load()
assert not report.configured and report.aws_calls == 0
assert "boto3" not in sys.modules and "botocore" not in sys.modules
print("ok")
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOTSTRAP_") and k not in {"PROJECT", "STAGE"}}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert result.stdout.strip() == "ok", result.stderr


def test_no_source_still_checks_required_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOTSTRAP_REQUIRED", "SECRET_KEY_FOR_TEST")
    with pytest.raises(ConfigurationError, match="no AWS source configured"):
        lambda_bootstrap.load()


def test_a_failed_refresh_waits_a_ttl_before_trying_again(full_stage: FakeAccount, aws_calls) -> None:
    lambda_bootstrap.load()
    aws_calls.fail("GetSecretValue", "AccessDeniedException", times=1)
    with pytest.raises(lambda_bootstrap.AccessDeniedError):
        lambda_bootstrap.refresh("DATABASE_URL", max_age=0)
    aws_calls.reset()
    assert lambda_bootstrap.refresh("DATABASE_URL") is False  # within the TTL of the failed attempt
    assert aws_calls.total == 0


# --- prefetch: the calls started early (lambda_bootstrap.zappa_handler), checked and exported by load() ---


def without(*names: str) -> None:
    for name in names:
        os.environ.pop(name, None)


def test_a_prefetch_exports_nothing_and_load_uses_its_answers(full_stage: FakeAccount, aws_calls) -> None:
    overrides = {"BOOTSTRAP_SSM_PATH": os.environ["BOOTSTRAP_SSM_PATH"], "STAGE": "prod"}
    without("BOOTSTRAP_SSM_PATH", "STAGE")  # as before Zappa's handler sets them
    aws_calls.reset()
    assert lambda_bootstrap.loader.default().prefetch(overrides) is True
    assert "SECRET_KEY" not in os.environ
    os.environ.update(overrides)  # what Zappa's handler does, then the settings module loads
    report = lambda_bootstrap.load()
    assert os.environ["SECRET_KEY"] == "prod-secret-key-value"
    assert dict(aws_calls.counts) == {"GetParametersByPath": 1, "GetSecretValue": 1}  # once, not twice
    assert report.aws_calls == 2


def test_settings_that_changed_since_the_prefetch_are_fetched_afresh(full_stage: FakeAccount, aws_calls) -> None:
    full_stage.parameters({"SECRET_KEY": "prod-secret-key-value"})
    lambda_bootstrap.loader.default().prefetch({"BOOTSTRAP_SECRETS": "other"})  # not what load() will read
    aws_calls.reset()
    lambda_bootstrap.load()
    assert os.environ["DATABASE_URL"] == "postgres://shop:db-password-1@db:5432/shop"
    assert dict(aws_calls.counts) == {"GetParametersByPath": 1, "GetSecretValue": 1}


def test_a_prefetch_that_fails_is_the_loads_failure(full_stage: FakeAccount) -> None:
    full_stage.secrets.delete_secret(SecretId="shop/prod/database", ForceDeleteWithoutRecovery=True)
    assert lambda_bootstrap.loader.default().prefetch({}) is True
    with pytest.raises(SourceNotFoundError, match="secretsmanager:shop/prod/database"):
        lambda_bootstrap.load()
    assert "SECRET_KEY" not in os.environ  # all or nothing, as ever


def test_settings_a_prefetch_cannot_read_start_nothing_and_load_raises(full_stage: FakeAccount, aws_calls) -> None:
    aws_calls.reset()
    assert lambda_bootstrap.loader.default().prefetch({"BOOTSTRAP_TIMEOUT": "soon"}) is False
    assert aws_calls.total == 0
    os.environ["BOOTSTRAP_TIMEOUT"] = "soon"
    with pytest.raises(ConfigurationError, match="BOOTSTRAP_TIMEOUT"):
        lambda_bootstrap.load()


def test_no_prefetch_where_the_overrides_would_move_the_clients(full_stage: FakeAccount, aws_calls) -> None:
    """The clients are made at prefetch time, under the environment of that time: not under the overrides."""
    aws_calls.reset()
    assert lambda_bootstrap.loader.default().prefetch({"AWS_DEFAULT_REGION": "eu-west-1"}) is False
    assert aws_calls.total == 0


@pytest.mark.parametrize("init", ["snap-start", "provisioned-concurrency"])
def test_no_prefetch_in_an_init_no_request_waits_for(
    full_stage: FakeAccount, aws_calls, monkeypatch: pytest.MonkeyPatch, init: str
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", init)
    aws_calls.reset()
    assert lambda_bootstrap.loader.default().prefetch({}) is False
    assert aws_calls.total == 0


def test_a_client_environment_that_changed_after_the_prefetch_is_fetched_afresh_with_new_clients(
    full_stage: FakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same secret name in two regions; the region changes between the prefetch and load()."""
    import boto3

    boto3.client("secretsmanager", region_name="eu-west-1").create_secret(
        Name="shop/prod/database",
        SecretString=json.dumps({"engine": "postgres", "host": "db-eu", "username": "shop", "password": "eu-pw-2"}),
    )
    boto3.client("ssm", region_name="eu-west-1").put_parameter(
        Name=f"{PATH}SECRET_KEY", Value="eu-secret-key-value", Type="SecureString"
    )
    boto3.client("ssm", region_name="eu-west-1").put_parameter(
        Name=f"{PATH}ALLOWED_HOSTS", Value="eu.example.com", Type="SecureString"
    )
    assert lambda_bootstrap.loader.default().prefetch({}) is True  # us-east-1, this process's region
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    lambda_bootstrap.load()
    assert os.environ["SECRET_KEY"] == "eu-secret-key-value"
    assert "db-eu" in os.environ["DATABASE_URL"]


def test_a_prefetch_older_than_its_deadline_is_fetched_afresh(
    full_stage: FakeAccount, aws_calls, fake_clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Lazy instantiation on a warm-kept or provisioned container: the first event may come much later."""
    assert lambda_bootstrap.loader.default().prefetch({}) is True
    fake_clock.now += 3600
    aws_calls.reset()
    with caplog.at_level(logging.INFO, logger="lambda_bootstrap"):
        lambda_bootstrap.load()
    assert dict(aws_calls.counts) == {"GetParametersByPath": 1, "GetSecretValue": 1}  # asked again
    assert "started at import" not in caplog.text


def test_answers_in_before_the_deadline_count_after_it(full_stage: FakeAccount, fake_clock: FakeClock) -> None:
    from lambda_bootstrap.fetch import start_fetch
    from lambda_bootstrap.retry import LoadRun
    from lambda_bootstrap.settings import read_settings
    from lambda_bootstrap.sources import sources_for

    bootstrap = lambda_bootstrap.loader.default()
    run = LoadRun(1.0, max_attempts=1, clock=fake_clock, sleep=fake_clock.sleep)
    pending = start_fetch(sources_for(read_settings(os.environ), None), bootstrap.clients, run)
    for thread in [t for t in threading.enumerate() if t.name == "lambda_bootstrap"]:
        thread.join(5)
    fake_clock.now += 10  # the answers are in; the deadline has passed since
    assert {entry.key for entry in pending.result()} >= {"SECRET_KEY", "DATABASE_URL"}


def test_a_reload_gives_back_the_environments_own_value(
    full_stage: FakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key the bundle overrode (BOOTSTRAP_OVERRIDE) and then lost: the environment's value, as a cold start."""
    monkeypatch.setenv("BOOTSTRAP_OVERRIDE", "true")
    monkeypatch.setenv("DJANGO_DEBUG", "false")
    full_stage.parameters({"DJANGO_DEBUG": "true"})
    bootstrap = lambda_bootstrap.loader.default()
    bootstrap.load()
    assert os.environ["DJANGO_DEBUG"] == "true"
    full_stage.ssm.delete_parameter(Name=f"{PATH}DJANGO_DEBUG")
    assert bootstrap.reload() == ["DJANGO_DEBUG"]
    assert os.environ["DJANGO_DEBUG"] == "false"
