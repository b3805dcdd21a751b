"""IAM database authentication: a short-lived signed token in place of a database password.

RDS and RDS Proxy accept, as the password of a database user the caller's IAM
role may ``rds-db:connect`` as, a SigV4-presigned URL that boto3 builds
locally (``generate_db_auth_token``: no AWS call, valid 15 minutes). So no
database password is stored anywhere (Secrets Manager, the environment, the
package), and a cold start needs one ``GetSecretValue`` fewer.

A token only has to be valid when a connection *opens*; an open connection
outlives it. A token is reused for :data:`TOKEN_REUSE` seconds (well inside
its 900 s lifetime) and then a new one is signed, so a connection opened after
a token's lifetime always presents a fresh one. :data:`clock` is the
monotonic clock that decides it; tests replace it.

This module and :mod:`.clients` are the only ones that touch boto3. A token is
a credential: it is never logged, and botocore's own DEBUG lines about the
signature (``botocore.auth`` prints the canonical request and the signature,
i.e. the whole token) are dropped while a token is being signed. Errors name
the setting (``DATABASE_IAM_AUTH``, ``AWS_REGION``, ``DATABASE_URL``'s part),
never a host, user or token.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigurationError

__all__ = [
    "IAM_AUTH_KEY",
    "TOKEN_LIFETIME",
    "TOKEN_REUSE",
    "IamAuthTarget",
    "RdsEndpoint",
    "auth_token",
    "forget_tokens",
    "iam_auth_target",
    "rds_endpoint",
]

IAM_AUTH_KEY = "DATABASE_IAM_AUTH"
REGION_KEY = "AWS_REGION"
TOKEN_LIFETIME = 900.0  # what RDS accepts; generate_db_auth_token signs for exactly this
TOKEN_REUSE = 600.0  # a cached token is at least 5 minutes from expiry when it is used

clock: Callable[[], float] = time.monotonic

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")


@dataclass(frozen=True)
class RdsEndpoint:
    """What an RDS host name says about itself: proxy, cluster or instance, and its region."""

    kind: str  # "proxy", "cluster" or "instance"
    region: str

    @property
    def description(self) -> str:
        return {
            "proxy": "an RDS Proxy endpoint",
            "cluster": "an Aurora cluster endpoint",
            "instance": "an RDS instance endpoint",
        }[self.kind]


def rds_endpoint(host: str) -> RdsEndpoint | None:
    """``<name>.<id>.<region>.rds.amazonaws.com[.cn]``, or None for any other host.

    RDS Proxy endpoints have an id starting ``proxy-`` (custom proxy endpoints
    add ``<name>.endpoint.`` in front), Aurora cluster endpoints ``cluster-``
    (``cluster-ro-``, ``cluster-custom-``); anything else under the suffix is an
    instance.
    """
    labels = host.strip().lower().rstrip(".").split(".")
    if labels[-3:] == ["amazonaws", "com", "cn"]:
        labels = labels[:-1]
    if labels[-3:] != ["rds", "amazonaws", "com"] or len(labels) < 6:
        return None
    name_labels, resource_id, region = labels[:-5], labels[-5], labels[-4]
    if not _REGION.match(region) or not all(_LABEL.match(label) for label in [*name_labels, resource_id]):
        return None
    if resource_id.startswith("proxy-"):
        return RdsEndpoint("proxy", region)
    if resource_id.startswith("cluster-"):
        return RdsEndpoint("cluster", region)
    return RdsEndpoint("instance", region)


@dataclass(frozen=True)
class IamAuthTarget:
    """What a token is signed for: the endpoint, port and user the connection opens with."""

    host: str
    port: int
    user: str
    region: str

    def __repr__(self) -> str:  # tracebacks and logs show this: no host, no user
        return f"IamAuthTarget(region={self.region!r})"


def iam_auth_target(
    host: str, port: int | str | None, user: str, environ: Mapping[str, str], *, url_key: str = "DATABASE_URL"
) -> IamAuthTarget:
    """Check a stage's IAM-auth settings and say what its tokens are signed for.

    Raises ConfigurationError naming the setting that is wrong, never its value.
    """
    region = environ.get(REGION_KEY, "").strip()
    if not region:
        raise ConfigurationError(
            f"{IAM_AUTH_KEY} is on but {REGION_KEY} is not set: the token is signed for the database's region"
        )
    endpoint = rds_endpoint(host or "")
    if endpoint is None:
        raise ConfigurationError(
            f"{IAM_AUTH_KEY} is on but {url_key}'s host is not an RDS or RDS Proxy endpoint "
            "(*.rds.amazonaws.com, *.proxy-*.rds.amazonaws.com): only those accept IAM tokens"
        )
    if endpoint.region != region:
        raise ConfigurationError(
            f"{IAM_AUTH_KEY} is on but {url_key}'s host is an endpoint in another region than {REGION_KEY}: "
            "tokens are signed for the region of the function"
        )
    if not user:
        raise ConfigurationError(f"{IAM_AUTH_KEY} is on but {url_key} names no user to sign the token for")
    try:
        number = int(port) if port not in (None, "") else 5432
    except (TypeError, ValueError):
        raise ConfigurationError(f"{url_key}'s port is not a number") from None
    return IamAuthTarget(host.strip().lower().rstrip("."), number, user, region)


_lock = threading.Lock()
_tokens: dict[IamAuthTarget, tuple[str, float]] = {}
_rds_clients: dict[str, Any] = {}


def auth_token(target: IamAuthTarget) -> str:
    """A token for ``target``: the cached one while younger than TOKEN_REUSE, else a freshly signed one."""
    now = clock()
    with _lock:
        cached = _tokens.get(target)
        if cached is not None and 0 <= now - cached[1] < TOKEN_REUSE:
            return cached[0]
        token = _sign(target)
        _tokens[target] = (token, now)
        return token


def forget_tokens() -> None:
    """Drop cached tokens and clients (tests and benchmarks: behave as a fresh container)."""
    with _lock:
        _tokens.clear()
        _rds_clients.clear()


def _sign(target: IamAuthTarget) -> str:
    client = _rds_clients.get(target.region)
    if client is None:
        from . import clients
        from .log_hygiene import silence_aws_wire_logging

        silence_aws_wire_logging()  # botocore.auth logs the canonical request, the token's makings, at DEBUG
        # The bootstrap's own session (one credential chain per container); a client of
        # the database's region, as botocore reads no AWS_REGION by itself.
        client = clients.default_clients.session().client("rds", region_name=target.region)
        _rds_clients[target.region] = client
    return str(
        client.generate_db_auth_token(
            DBHostname=target.host, Port=target.port, DBUsername=target.user, Region=target.region
        )
    )
