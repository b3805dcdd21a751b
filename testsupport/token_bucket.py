"""AWS's API throttling as token buckets, shared by the burst simulator and the throttling proxy.

AWS meters each API quota per account and region. The model here, the one
the simulator and ``testsupport/aws_proxy.py`` both use, so that a validation run
and its simulation throttle by the same rule: a bucket holds at most
``burst`` tokens (one second of quota unless told), refills at ``rate`` tokens
a second, starts full, and every request takes one token or is throttled.
A throttled request takes no token.

Which bucket a request draws from depends on the operation and on the
account's quotas (:class:`Quotas`), whose numbers are the tool's one table
(:mod:`lambda_bootstrap_cli.quotas`): by default SSM's GetParameter,
GetParameters and GetParametersByPath share one bucket; with Parameter Store's
paid "higher throughput" GetParameter(s) share a larger one and
GetParametersByPath has one of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lambda_bootstrap_cli.quotas import (
    BATCH_GET_SECRET_VALUE_TPS,
    GET_SECRET_VALUE_TPS,
    SSM_HIGHER_BY_PATH_TPS,
    SSM_HIGHER_GET_PARAMETERS_TPS,
    SSM_TPS,
)

__all__ = ["DEFAULT_QUOTAS", "HIGHER_THROUGHPUT", "OPERATIONS", "Quotas", "TokenBucket"]

# The operations the bootstrap and the compared layouts call, as X-Amz-Target names them.
OPERATIONS = (
    "AmazonSSM.GetParameter",
    "AmazonSSM.GetParameters",
    "AmazonSSM.GetParametersByPath",
    "secretsmanager.GetSecretValue",
    "secretsmanager.BatchGetSecretValue",
)


class TokenBucket:
    """``take(now)`` is True when a request at time ``now`` gets through; times never go back."""

    __slots__ = ("burst", "last", "rate", "tokens")

    def __init__(self, rate: float, burst: float | None = None, now: float = 0.0) -> None:
        if rate <= 0:
            raise ValueError("a token bucket needs a positive rate")
        self.rate = rate
        self.burst = rate if burst is None else burst
        self.tokens = self.burst
        self.last = now

    def take(self, now: float) -> bool:
        if now > self.last:  # the proxy's threads may come in a little out of order: never refill backwards
            tokens = self.tokens + (now - self.last) * self.rate
            self.tokens = tokens if tokens < self.burst else self.burst
            self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass(frozen=True)
class Quotas:
    """Per-bucket rates (TPS) and which bucket each operation draws from."""

    name: str
    rates: Mapping[str, float]
    routes: Mapping[str, str] = field(default_factory=dict)  # operation -> bucket name

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self.rates.items())), tuple(sorted(self.routes.items()))))

    def bucket_of(self, operation: str) -> str | None:
        """The bucket ``operation`` draws from; None for an unmetered operation."""
        return self.routes.get(operation)

    def buckets(self, now: float = 0.0) -> dict[str, TokenBucket]:
        """Full buckets, one per quota, as at the start of a burst."""
        return {name: TokenBucket(rate, now=now) for name, rate in self.rates.items()}

    def scaled(self, name: str, **rates: float) -> Quotas:
        """The same routes with some rates replaced (``ssm=10``): a validation's scaled-down account."""
        unknown = set(rates) - set(self.rates)
        if unknown:
            raise ValueError(f"no such bucket: {', '.join(sorted(unknown))}")
        return Quotas(name, {**self.rates, **rates}, self.routes)


_SECRETS_ROUTES = {
    "secretsmanager.GetSecretValue": "secretsmanager:GetSecretValue",
    "secretsmanager.BatchGetSecretValue": "secretsmanager:BatchGetSecretValue",
}
_SECRETS_RATES = {
    "secretsmanager:GetSecretValue": GET_SECRET_VALUE_TPS,
    "secretsmanager:BatchGetSecretValue": BATCH_GET_SECRET_VALUE_TPS,
}

DEFAULT_QUOTAS = Quotas(
    "default",
    {"ssm": SSM_TPS, **_SECRETS_RATES},
    {
        "AmazonSSM.GetParameter": "ssm",
        "AmazonSSM.GetParameters": "ssm",
        "AmazonSSM.GetParametersByPath": "ssm",
        **_SECRETS_ROUTES,
    },
)

HIGHER_THROUGHPUT = Quotas(
    "SSM higher throughput",
    {"ssm": SSM_HIGHER_GET_PARAMETERS_TPS, "ssm:GetParametersByPath": SSM_HIGHER_BY_PATH_TPS, **_SECRETS_RATES},
    {
        "AmazonSSM.GetParameter": "ssm",
        "AmazonSSM.GetParameters": "ssm",
        "AmazonSSM.GetParametersByPath": "ssm:GetParametersByPath",
        **_SECRETS_ROUTES,
    },
)
