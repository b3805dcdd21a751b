"""AWS saying no: access denied, KMS, throttling, outages. Never a value in any output."""

from __future__ import annotations

import logging
import time
import traceback

import pytest

import lambda_bootstrap
from lambda_bootstrap import AccessDeniedError, BootstrapError, SourceUnavailableError
from lambda_bootstrap.settings import read_settings
from testsupport.account import FakeAccount


@pytest.fixture
def stage(account: FakeAccount, stage_env: None, monkeypatch: pytest.MonkeyPatch) -> FakeAccount:
    account.parameters({"SECRET_KEY": "prod-secret-key-value", "API_TOKEN": "api-token-value"})
    account.secret(
        "shop/prod/database", {"engine": "postgres", "host": "db", "username": "u", "password": "pw-secret-1"}
    )
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "database")
    monkeypatch.setenv("BOOTSTRAP_TIMEOUT", "3")
    return account


def failure_output(error: BaseException, caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join([str(error), repr(error), "".join(traceback.format_exception(error)), caplog.text])


def test_access_denied_names_the_resource_and_the_missing_action(
    stage: FakeAccount, aws_calls, caplog: pytest.LogCaptureFixture
) -> None:
    aws_calls.fail(
        "GetSecretValue",
        "AccessDeniedException",
        message="User: arn:aws:sts::123456789012:assumed-role/shop-prod/fn is not authorized to perform: "
        "secretsmanager:GetSecretValue on resource: shop/prod/database",
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(AccessDeniedError) as raised:
        lambda_bootstrap.load()
    error = raised.value
    assert (error.resource, error.action) == ("secretsmanager:shop/prod/database", "secretsmanager:GetSecretValue")
    assert "needs secretsmanager:GetSecretValue" in str(error)
    assert error.__cause__ is not None  # the botocore error is kept
    stage.assert_nothing_leaked(failure_output(error, caplog))


def test_kms_denial_names_kms_decrypt(stage: FakeAccount, aws_calls) -> None:
    aws_calls.fail("GetParametersByPath", "AccessDeniedException", message="not authorized to perform: kms:Decrypt")
    with pytest.raises(AccessDeniedError, match="kms:Decrypt") as raised:
        lambda_bootstrap.load()
    assert raised.value.resource == "ssm:/shop/prod/"


def test_throttling_is_retried_with_backoff(stage: FakeAccount, aws_calls) -> None:
    aws_calls.fail("GetParametersByPath", "ThrottlingException", times=2)
    aws_calls.fail("GetSecretValue", "InternalServiceError", status=500, times=1)
    report = lambda_bootstrap.load()
    assert report.retries == 3
    assert aws_calls.counts == {"GetParametersByPath": 3, "GetSecretValue": 2}


def test_persistent_throttling_is_retried_until_the_deadline_then_names_the_call(
    stage: FakeAccount, aws_calls, fake_clock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOTSTRAP_TIMEOUT", "30")
    aws_calls.fail("GetSecretValue", "ThrottlingException")
    with caplog.at_level(logging.DEBUG), pytest.raises(SourceUnavailableError) as raised:
        lambda_bootstrap.load()
    assert "secretsmanager:GetSecretValue on secretsmanager:shop/prod/database failed" in str(raised.value)
    assert "30 s deadline" in str(raised.value)
    assert sum(fake_clock.slept) < 30  # on the fake clock: no real second was spent
    assert aws_calls.counts["GetSecretValue"] > read_settings({}).max_attempts  # no attempt cap for throttling
    stage.assert_nothing_leaked(failure_output(raised.value, caplog))


def test_a_load_that_failed_makes_no_further_call(
    stage: FakeAccount, aws_calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOTSTRAP_TIMEOUT", "8")
    aws_calls.fail("GetParametersByPath", "ThrottlingException")  # would retry for 8 s
    aws_calls.fail("GetSecretValue", "AccessDeniedException")  # fails for good at once
    started = time.monotonic()
    with pytest.raises(AccessDeniedError):
        lambda_bootstrap.load()
    assert time.monotonic() - started < 2  # the throttled call did not run out the deadline
    calls = aws_calls.total
    time.sleep(0.3)  # a retry still scheduled would have been made by now
    assert aws_calls.total == calls


@pytest.mark.parametrize(
    ("operation", "code", "expected"),
    [
        ("GetSecretValue", "DecryptionFailure", "kms:Decrypt"),
        ("GetSecretValue", "ResourceNotFoundException", "does not exist"),
        ("GetParametersByPath", "ValidationException", "refused: ValidationException"),
    ],
)
def test_permanent_errors_are_not_retried_and_are_named(
    stage: FakeAccount, aws_calls, caplog: pytest.LogCaptureFixture, operation: str, code: str, expected: str
) -> None:
    aws_calls.fail(operation, code)
    with caplog.at_level(logging.DEBUG), pytest.raises(BootstrapError, match=expected) as raised:
        lambda_bootstrap.load()
    assert aws_calls.counts[operation] == 1
    stage.assert_nothing_leaked(failure_output(raised.value, caplog))


def test_all_failing_sources_are_reported(stage: FakeAccount, aws_calls) -> None:
    aws_calls.fail("GetSecretValue", "AccessDeniedException")
    aws_calls.fail("GetParametersByPath", "AccessDeniedException")
    with pytest.raises(AccessDeniedError) as raised:
        lambda_bootstrap.load()
    text = "".join(traceback.format_exception(raised.value))
    assert "ssm:/shop/prod/" in text and "secretsmanager:shop/prod/database" in text
