"""The retry policy on a fake clock: until the deadline for throttling, capped otherwise, cancellable."""

from __future__ import annotations

import random
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambda_bootstrap.errors import AccessDeniedError, SourceError, SourceNotFoundError, SourceUnavailableError
from lambda_bootstrap.retry import BACKOFF_CAP, Cancelled, LoadRun
from testsupport.clocks import FakeClock


def aws_error(code: str, status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


class Flaky:
    """An operation that fails with ``errors`` in turn, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"ok": True}


def run_on(clock: FakeClock, seconds: float = 8.0, max_attempts: int = 8) -> LoadRun:
    return LoadRun(seconds, max_attempts=max_attempts, clock=clock, sleep=clock.sleep, rng=random.Random(1))


def test_throttling_is_retried_past_the_attempt_cap_until_it_passes() -> None:
    clock = FakeClock()
    operation = Flaky(*[aws_error("ThrottlingException")] * 12)
    run = run_on(clock, seconds=60.0, max_attempts=3)
    assert run.call(operation, resource="r", action="a") == {"ok": True}
    assert operation.calls == 13 and run.stats.retries == 12
    assert all(wait <= BACKOFF_CAP for wait in clock.slept)


def test_persistent_throttling_ends_at_the_deadline_naming_the_call() -> None:
    clock = FakeClock()
    run = run_on(clock, seconds=8.0)
    started = clock.now
    with pytest.raises(SourceUnavailableError, match=r"a on r failed .* times .*ThrottlingException.*8 s deadline"):
        run.call(Flaky(*[aws_error("ThrottlingException")] * 1000), resource="r", action="a")
    assert clock.now - started < 8.0  # no back-off ran past the deadline


def test_server_errors_stop_at_the_attempt_cap() -> None:
    operation = Flaky(*[aws_error("InternalServerError", 500)] * 10)
    with pytest.raises(SourceUnavailableError, match=r"failed 4 times .*BOOTSTRAP_MAX_ATTEMPTS=4") as raised:
        run_on(FakeClock(), max_attempts=4).call(operation, resource="r", action="a")
    assert operation.calls == 4
    assert (raised.value.resource, raised.value.action, raised.value.code) == ("r", "a", "InternalServerError")


def test_a_cancelled_run_makes_no_call() -> None:
    run = run_on(FakeClock())
    run.cancel()
    operation = Flaky()
    with pytest.raises(Cancelled):
        run.call(operation, resource="r", action="a")
    assert operation.calls == 0


def test_cancelling_stops_a_call_between_its_retries() -> None:
    clock = FakeClock()
    run = run_on(clock, seconds=60.0)

    def sleep_then_cancel(seconds: float) -> None:
        clock.sleep(seconds)
        run.cancel()  # another call of the load failed for good during this back-off

    run._sleep = sleep_then_cancel
    operation = Flaky(*[aws_error("ThrottlingException")] * 5)
    with pytest.raises(Cancelled):
        run.call(operation, resource="r", action="a")
    assert operation.calls == 1


def test_no_call_starts_after_the_deadline() -> None:
    clock = FakeClock()
    run = run_on(clock, seconds=1.0)
    clock.now += 1.0
    operation = Flaky()
    with pytest.raises(SourceUnavailableError):
        run.call(operation, resource="r", action="a")
    assert operation.calls == 0


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("AccessDeniedException", AccessDeniedError),
        ("ResourceNotFoundException", SourceNotFoundError),
        ("ParameterNotFound", SourceNotFoundError),
        ("NoSuchEntity", SourceNotFoundError),
        ("ValidationException", SourceError),
        ("InvalidParameterException", SourceError),
    ],
)
def test_permanent_errors_are_typed_carry_the_code_and_are_not_retried(code: str, kind: type[Exception]) -> None:
    operation = Flaky(aws_error(code))
    with pytest.raises(kind) as raised:
        run_on(FakeClock()).call(operation, resource="res", action="svc:Act")
    assert operation.calls == 1
    assert (raised.value.resource, raised.value.code) == ("res", code)  # type: ignore[attr-defined]
    assert isinstance(raised.value.__cause__, ClientError)


def test_a_403_whose_body_botocore_could_not_read_is_access_denied() -> None:
    operation = Flaky(aws_error("403", 403))
    with pytest.raises(AccessDeniedError):
        run_on(FakeClock()).call(operation, resource="res", action="secretsmanager:PutSecretValue")
