"""The database side of a stage, for ``policy`` and ``check``: IAM auth, proxy or instance, connections.

IAM database authentication is declared in the stage's ``environment_variables``
(zappa_settings.json), which the tooling reads without AWS:

- ``DATABASE_IAM_AUTH=true``: the backend signs a token per new connection;
- ``DATABASE_IAM_RESOURCE_ID``: the resource id of what the function connects to
  (``prx-…`` for an RDS Proxy, ``db-…`` for an instance, ``cluster-…`` for
  Aurora): not secret, and the only way to scope ``rds-db:connect``;
- ``DATABASE_IAM_USER``: the database user the tokens are signed for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from lambda_bootstrap.rds_auth import IAM_AUTH_KEY, rds_endpoint
from lambda_bootstrap.values import parse_bool

from .errors import ToolError

__all__ = [
    "RESOURCE_ID_KEY",
    "USER_KEY",
    "DatabaseTarget",
    "IamDeclaration",
    "connections_needed",
    "database_target",
    "iam_declaration",
    "resource_kind",
]

RESOURCE_ID_KEY = "DATABASE_IAM_RESOURCE_ID"
USER_KEY = "DATABASE_IAM_USER"
# What PostgreSQL keeps for superusers (superuser_reserved_connections' default);
# RDS reserves some more for its own rdsadmin (rds.superuser_reserved_connections).
RESERVED_CONNECTIONS = 3

_RESOURCE_ID = re.compile(r"^(?:db|cluster|prx)-[A-Za-z0-9]+$")
_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$.-]{0,62}$")


@dataclass(frozen=True)
class IamDeclaration:
    resource_id: str
    user: str


def iam_declaration(environment: Mapping[str, str]) -> IamDeclaration | None:
    """The stage's IAM auth declaration, None when off; ToolError naming the key when incomplete."""
    raw = environment.get(IAM_AUTH_KEY, "")
    enabled = parse_bool(raw) if raw.strip() else False
    if enabled is None:
        raise ToolError(f"{IAM_AUTH_KEY} must be a boolean (true/false, 1/0, yes/no, on/off)")
    if not enabled:
        return None
    resource_id = environment.get(RESOURCE_ID_KEY, "").strip()
    user = environment.get(USER_KEY, "").strip()
    missing = [key for key, value in ((RESOURCE_ID_KEY, resource_id), (USER_KEY, user)) if not value]
    if missing:
        raise ToolError(
            f"{IAM_AUTH_KEY} is on but {' and '.join(missing)} not set in the stage's environment_variables: "
            "rds-db:connect is granted on that resource id and database user only"
        )
    if not _RESOURCE_ID.match(resource_id):
        raise ToolError(f"{RESOURCE_ID_KEY} must be an RDS resource id (prx-…, db-… or cluster-…), not an ARN")
    if not _USER.match(user):
        raise ToolError(f"{USER_KEY} must be a database user name (no wildcard)")
    return IamDeclaration(resource_id, user)


@dataclass(frozen=True)
class DatabaseTarget:
    """What DATABASE_URL points at, described without its host."""

    kind: str  # "proxy", "cluster", "instance" or "other"
    description: str
    region: str  # "" when not an RDS endpoint
    user: str
    has_password: bool


def database_target(url: str) -> DatabaseTarget | None:
    """None when ``url`` has no host (the values check names a malformed URL)."""
    try:
        parts = urlsplit(url.strip())
        host, user, password = parts.hostname or "", parts.username or "", bool(parts.password)
    except ValueError:
        return None
    if not host:
        return None
    endpoint = rds_endpoint(host)
    if endpoint is None:
        return DatabaseTarget("other", "a host that is not an RDS endpoint", "", user, password)
    return DatabaseTarget(endpoint.kind, endpoint.description, endpoint.region, user, password)


def resource_kind(resource_id: str) -> str:
    """ "proxy", "instance" or "cluster", from a resource id's prefix."""
    return {"prx": "proxy", "db": "instance", "cluster": "cluster"}[resource_id.split("-", 1)[0]]


def connections_needed(reserved_concurrency: int, per_container: int = 1) -> int:
    """max_connections a database needs when every container holds its own connections at once."""
    return reserved_concurrency * per_container + RESERVED_CONNECTIONS
