"""Every AWS call of a load: retried with jittered back-off, bounded by one deadline, cancellable.

botocore's own retries are switched off (``total_max_attempts=1``) because they
know nothing of Lambda's 10 s init phase or of the other calls of the same load.
Here:

- throttling is retried until the deadline (no attempt cap): under a burst of
  cold starts the quota refills every second, and a container that gives up
  early fails its init for nothing; other transient failures (5xx, network)
  stop after ``BOOTSTRAP_MAX_ATTEMPTS``;
- a retry starts only if its back-off ends before the deadline;
- once any call of the load has failed for good, or the deadline has passed,
  the load is cancelled: no call of it starts again (no retry, no next page, no
  next batch), and a back-off in progress wakes up and stops. A load that has
  already failed must not keep spending the account's shared quota;
- errors that retrying cannot fix are mapped at once to our own types, each
  carrying the resource, the IAM action and AWS's error code.

The clock and the sleep are injectable (:class:`LoadRun`), so tests never wait
through a real back-off.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from .errors import (
    AccessDeniedError,
    BootstrapError,
    ConfigurationError,
    SourceError,
    SourceNotFoundError,
    SourceUnavailableError,
)

__all__ = ["BACKOFF_BASE", "BACKOFF_CAP", "CallStats", "Cancelled", "LoadRun", "backoff", "call_aws"]

T = TypeVar("T")

# Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): the wait before
# attempt n+1 is uniform(0, min(CAP, BASE * 2**(n-1))). Chosen by bench/burst_sim.py under a
# simulated burst (docs/burst.md): against 0.1/2 s, decorrelated jitter and botocore's adaptive
# limiter, 0.05/0.5 s brings the most containers up (35 of 35 possible at 40 TPS, N = 100).
# Throttling is retried until the deadline (no attempt cap), and a wait that would end past the
# deadline is drawn again within what is left (minus one attempt's time): LoadRun.backoff.
BACKOFF_BASE = 0.05
BACKOFF_CAP = 0.5
MIN_ATTEMPT_SECONDS = 0.01  # no round trip to AWS is shorter: below it, no attempt is worth starting

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "BandwidthLimitExceeded",
        "SlowDown",
        "EC2ThrottledException",
        "PriorRequestNotComplete",
    }
)
_TRANSIENT = frozenset(
    {
        "InternalServerError",
        "InternalFailure",
        "InternalServiceError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)
_NOT_FOUND = frozenset({"ResourceNotFoundException", "ParameterNotFound", "NoSuchEntity", "NotFoundException"})
_DENIED = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnrecognizedClientException"})
_KMS = frozenset({"DecryptionFailure", "InvalidKeyId", "KMSAccessDeniedException", "KMSDisabledException"})


def backoff(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): full jitter."""
    return (rng or random).uniform(0.0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))


class Cancelled(BootstrapError):
    """This call's load has already failed or run out of time: the call was not made."""


@dataclass
class CallStats:
    """AWS calls made and retried during one load; shared by its worker threads."""

    calls: int = 0
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, *, retry: bool) -> None:
        with self._lock:
            self.calls += 1
            self.retries += int(retry)


class LoadRun:
    """What every call of one load shares: its deadline, attempt cap, counters and cancellation.

    ``throttled_attempts`` caps throttled attempts too (None: until the deadline, as
    a cold start does; the CLI, whose deadline is a minute, caps them).
    ``clock`` and ``sleep`` default to the real ones; tests pass a fake clock whose
    sleep advances it. ``sleep`` returns early (and the call stops) when the run is
    cancelled.
    """

    def __init__(
        self,
        seconds: float,
        *,
        max_attempts: int = 8,
        throttled_attempts: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.seconds = seconds
        self.max_attempts = max_attempts
        self.throttled_attempts = throttled_attempts
        self.stats = CallStats()
        self.clock = clock
        self._end = clock() + seconds
        self._cancelled = threading.Event()
        self._sleep = sleep or self._cancelled.wait
        self._rng = rng

    def remaining(self) -> float:
        return max(0.0, self._end - self.clock())

    def cancel(self) -> None:
        """No call of this run starts from now on; sleepers wake up."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def call(self, operation: Callable[[], T], *, resource: str, action: str) -> T:
        """``call_aws`` within this run."""
        return call_aws(operation, resource=resource, action=action, run=self)

    def wait(self, seconds: float) -> None:
        self._sleep(seconds)

    def backoff(self, attempt: int, attempt_seconds: float) -> float | None:
        """The wait before the next attempt, fitted to the deadline; None when no attempt fits any more."""
        wait = backoff(attempt, self._rng)
        left = self.remaining()
        if wait < left:
            return wait
        if left <= max(attempt_seconds, MIN_ATTEMPT_SECONDS):  # another attempt would end past the deadline
            return None
        return (self._rng or random).uniform(0.0, left - attempt_seconds)


def call_aws(operation: Callable[[], T], *, resource: str, action: str, run: LoadRun) -> T:
    """Run ``operation`` (one boto3 call) until it succeeds, fails for good, or time runs out."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        ReadTimeoutError,
    )
    from botocore.exceptions import ConnectTimeoutError as BotoConnectTimeout

    network_errors = (EndpointConnectionError, BotoConnectTimeout, ReadTimeoutError, ConnectionClosedError)
    attempt = 0
    failures = {True: 0, False: 0}  # by "was it throttling": each kind has its own cap
    while True:
        _check_open(run, resource, action)
        run.stats.count(retry=attempt > 0)
        attempt += 1
        started = run.clock()
        try:
            return operation()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            throttled = code in THROTTLING_CODES or status == 429
            if not throttled and code not in _TRANSIENT and status < 500:
                raise _permanent(code, status, str(error.get("Message", "")), resource, action) from exc
            reason = code or f"HTTP {status}"
            last: BaseException = exc
        except network_errors as exc:
            throttled, reason, last = False, type(exc).__name__, exc
        except (NoCredentialsError, NoRegionError) as exc:
            raise ConfigurationError(f"cannot call AWS to read {resource}: {exc}") from exc
        cap = run.max_attempts if not throttled else run.throttled_attempts
        failures[throttled] += 1
        if cap is not None and failures[throttled] >= cap:
            raise SourceUnavailableError(
                f"{action} on {resource} failed {attempt} times (last: {reason}); "
                f"giving up (BOOTSTRAP_MAX_ATTEMPTS={cap})",
                resource=resource,
                action=action,
                code=reason,
            ) from last
        wait = run.backoff(attempt, run.clock() - started)
        if wait is None:
            raise SourceUnavailableError(
                f"{action} on {resource} failed {attempt} times (last: {reason}) and the "
                f"{run.seconds:g} s deadline leaves no time to retry (BOOTSTRAP_TIMEOUT)",
                resource=resource,
                action=action,
                code=reason,
                timed_out=True,
            ) from last
        run.wait(wait)


def _check_open(run: LoadRun, resource: str, action: str) -> None:
    if run.cancelled:
        raise Cancelled(f"{action} on {resource} not attempted: the load has already failed")
    if run.remaining() <= 0:
        raise SourceUnavailableError(
            f"{action} on {resource} did not finish within the {run.seconds:g} s deadline (BOOTSTRAP_TIMEOUT)",
            resource=resource,
            action=action,
            timed_out=True,
        )


def _permanent(code: str, status: int, message: str, resource: str, action: str) -> BootstrapError:
    if status == 403 and (not code or code.isdigit()):  # a body botocore could not parse: HTTP says it all
        code = "AccessDenied"
    if code in _KMS or (code in _DENIED and "kms:" in message.lower()):
        return AccessDeniedError(resource, "kms:Decrypt on the key that encrypts it", code=code)
    if code in _DENIED:
        return AccessDeniedError(resource, action, code=code)
    if code in _NOT_FOUND:
        return SourceNotFoundError(
            f"{resource} does not exist (check the name, the region and the account; {action} answered {code})",
            resource=resource,
            action=action,
            code=code,
        )
    if not code or code.isdigit():  # no AWS error in the body: something else than the service's API answered
        return SourceError(
            f"{action} on {resource} answered HTTP {status} with no AWS error (not the service's API: a proxy's "
            "page, or an endpoint without this operation, as moto's server lacks some; not retried)",
            resource=resource,
            action=action,
            code=code,
        )
    return SourceError(
        f"{action} on {resource} was refused: {code} (not retried: retrying cannot fix it)",
        resource=resource,
        action=action,
        code=code,
    )
