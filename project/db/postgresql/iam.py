"""IAM database authentication for the backend and the settings (see docs/database.md).

With ``DATABASE_IAM_AUTH`` on, ``DATABASE_URL`` carries no password: each new
connection's password is an IAM token signed locally by the bootstrap
(:mod:`lambda_bootstrap.rds_auth`, the only code that touches boto3). The
settings check the stage's configuration at import, so a wrong one stops the
cold start; the backend checks it again for each new connection, since it
re-reads ``DATABASE_URL`` from the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from lambda_bootstrap.errors import ConfigurationError
from lambda_bootstrap.rds_auth import IAM_AUTH_KEY, IamAuthTarget, auth_token, iam_auth_target

__all__ = ["IAM_AUTH_SETTING", "check_iam_settings", "with_iam_token"]

IAM_AUTH_SETTING = "IAM_AUTH"  # the DATABASES entry's key the settings set from DATABASE_IAM_AUTH
URL_KEY = "DATABASE_URL"


def check_iam_settings(settings_dict: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
    """For the settings module: ImproperlyConfigured, naming the key, when IAM auth cannot work."""
    if not settings_dict.get(IAM_AUTH_SETTING):
        return
    if settings_dict.get("PASSWORD"):
        raise ImproperlyConfigured(_password_present())
    _target(settings_dict.get("HOST"), settings_dict.get("PORT"), settings_dict.get("USER"), environ)


def with_iam_token(conn_params: dict[str, Any], environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The connection's parameters with a current IAM token as the password, and TLS unless set otherwise.

    RDS and RDS Proxy take IAM tokens over TLS only; ``sslmode`` from
    ``DATABASE_URL``'s query (e.g. ``verify-full``) is kept as given.
    """
    if conn_params.get("password"):
        raise ImproperlyConfigured(_password_present())
    target = _target(conn_params.get("host"), conn_params.get("port"), conn_params.get("user"), environ)
    return {**conn_params, "password": auth_token(target), "sslmode": conn_params.get("sslmode") or "require"}


def _target(host: Any, port: Any, user: Any, environ: Mapping[str, str] | None) -> IamAuthTarget:
    try:
        return iam_auth_target(str(host or ""), port, str(user or ""), os.environ if environ is None else environ)
    except ConfigurationError as error:  # names the key, never the value
        raise ImproperlyConfigured(str(error)) from None


def _password_present() -> str:
    return (
        f"{IAM_AUTH_KEY} is on but {URL_KEY} carries a password: remove it (each connection's password "
        "is an IAM token), or switch IAM auth off"
    )
