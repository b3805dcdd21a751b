"""IAM database authentication for the backend and the settings (see docs/database.md).

With IAM auth on, the database URL carries no password: each new connection's
password is an IAM token signed locally by the bootstrap
(:mod:`lambda_bootstrap.rds_auth`). :func:`lambda_bootstrap.django.database` checks
the stage's configuration at settings import, so a wrong one stops the cold
start; the backend checks it again for each new connection, since it re-reads
the URL from the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ...errors import ConfigurationError
from ...rds_auth import IAM_AUTH_KEY, IamAuthTarget, auth_token, iam_auth_target
from .. import IAM_AUTH_SETTING, URL_KEY_SETTING

__all__ = ["check_iam_settings", "with_iam_token"]


def check_iam_settings(settings_dict: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
    """At settings import: ConfigurationError, naming the key, when IAM auth cannot work."""
    if not settings_dict.get(IAM_AUTH_SETTING):
        return
    key = str(settings_dict.get(URL_KEY_SETTING) or "DATABASE_URL")
    if settings_dict.get("PASSWORD"):
        raise ConfigurationError(_password_present(key), keys=[key])
    _target(settings_dict.get("HOST"), settings_dict.get("PORT"), settings_dict.get("USER"), environ, key)


def with_iam_token(
    conn_params: dict[str, Any], environ: Mapping[str, str] | None = None, *, url_key: str = "DATABASE_URL"
) -> dict[str, Any]:
    """The connection's parameters with a current IAM token as the password, and TLS unless set otherwise.

    RDS and RDS Proxy take IAM tokens over TLS only; ``sslmode`` from
    ``DATABASE_URL``'s query (e.g. ``verify-full``) is kept as given.
    """
    if conn_params.get("password"):
        raise ConfigurationError(_password_present(url_key), keys=[url_key])
    target = _target(conn_params.get("host"), conn_params.get("port"), conn_params.get("user"), environ, url_key)
    return {**conn_params, "password": auth_token(target), "sslmode": conn_params.get("sslmode") or "require"}


def _target(host: Any, port: Any, user: Any, environ: Mapping[str, str] | None, key: str) -> IamAuthTarget:
    environ = os.environ if environ is None else environ
    return iam_auth_target(str(host or ""), port, str(user or ""), environ, url_key=key)


def _password_present(key: str) -> str:
    return (
        f"{IAM_AUTH_KEY} is on but {key} carries a password: remove it (each connection's password "
        "is an IAM token), or switch IAM auth off"
    )
