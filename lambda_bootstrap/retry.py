"""One AWS call with jittered exponential backoff, bounded by a deadline.

botocore's own retries are switched off (``total_max_attempts=1``) because they
know nothing of Lambda's 10 s init phase: here every retry first checks that
its back-off still fits the bootstrap's deadline, and gives up with an error
naming the call otherwise. Errors that retrying cannot fix (access denied, not
found, validation) are mapped to our own exception types at once.
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
    BootstrapTimeoutError,
    ConfigurationError,
    SourceNotFoundError,
    SourceUnavailableError,
)

__all__ = ["CallStats", "Deadline", "call_aws"]

T = TypeVar("T")

# Full jitter: the wait before attempt n+1 is uniform(0, min(CAP, BASE * 2**(n-1))). Over the
# default 8 attempts that is at most 0.1+0.2+0.4+0.8+1.6+2+2 = 7.1 s (3.55 s on average):
# inside the 8 s deadline, so under a total outage both limits end the load at about the same time.
BACKOFF_BASE = 0.1
BACKOFF_CAP = 2.0

_THROTTLING = frozenset(
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
_NOT_FOUND = frozenset({"ResourceNotFoundException", "ParameterNotFound"})
_KMS = frozenset({"DecryptionFailure", "InvalidKeyId", "KMSAccessDeniedException", "KMSDisabledException"})


class Deadline:
    """A monotonic point in time that every wait and retry of one load respects."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())


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


def call_aws(
    operation: Callable[[], T],
    *,
    resource: str,
    action: str,
    deadline: Deadline,
    max_attempts: int,
    stats: CallStats,
) -> T:
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
    while True:
        stats.count(retry=attempt > 0)
        attempt += 1
        try:
            return operation()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            if code in _THROTTLING or code in _TRANSIENT or status == 429 or status >= 500:
                reason = f"{code or 'HTTP ' + str(status)}"
                last: BaseException = exc
            else:
                raise _permanent(code, str(error.get("Message", "")), resource, action) from exc
        except network_errors as exc:
            reason = type(exc).__name__
            last = exc
        except (NoCredentialsError, NoRegionError) as exc:
            raise ConfigurationError(f"cannot call AWS to read {resource}: {exc}") from exc
        backoff = random.uniform(0.0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))
        if attempt >= max_attempts:
            raise SourceUnavailableError(
                f"{action} on {resource} failed {attempt} times (last: {reason}); "
                f"giving up (BOOTSTRAP_MAX_ATTEMPTS={max_attempts})"
            ) from last
        if backoff >= deadline.remaining():
            raise BootstrapTimeoutError(
                f"{action} on {resource} failed {attempt} times (last: {reason}) and the "
                f"{deadline.seconds:g} s deadline leaves no time to retry (BOOTSTRAP_TIMEOUT)"
            ) from last
        time.sleep(backoff)


def _permanent(code: str, message: str, resource: str, action: str) -> BootstrapError:
    if code in _KMS or (code == "AccessDeniedException" and "kms:" in message.lower()):
        return AccessDeniedError(resource, "kms:Decrypt on the key that encrypts it")
    if code in {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"}:
        return AccessDeniedError(resource, action)
    if code in _NOT_FOUND:
        return SourceNotFoundError(f"{resource} does not exist (check the name, the region and the account)")
    return SourceUnavailableError(f"{action} on {resource} was refused: {code}")
