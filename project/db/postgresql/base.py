"""PostgreSQL backend that survives a rotated database password in a warm container.

Django builds connection parameters from ``settings.DATABASES`` once, at
import; after Secrets Manager rotates the password, a warm Lambda would keep
failing until it is recycled. This backend re-reads ``DATABASE_URL`` from
``os.environ`` each time it opens a connection, after asking the bootstrap to
re-fetch the secret behind it when the cached copy is older than
``BOOTSTRAP_SECRET_TTL``; and on an authentication failure it asks for a fresh
copy once and retries once. The bootstrap is the only thing that calls AWS;
open connections (CONN_MAX_AGE) make no call at all.

A refresh that fails (Secrets Manager throttled or down) never breaks a
connection by itself: the cached credentials are used, and a warning names the
key. The password is never logged and never in an error raised here.

With ``DATABASE_IAM_AUTH`` on (the settings' ``IAM_AUTH``), ``DATABASE_URL``
holds no password: each new connection's password is a fresh IAM token
(:mod:`.iam`), signed locally by the bootstrap.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import psycopg2
from django.db.backends.postgresql import base

import lambda_bootstrap
from project.settings.environment import env_database

from .iam import IAM_AUTH_SETTING, with_iam_token

__all__ = ["DatabaseConnectionError", "DatabaseWrapper"]

logger = logging.getLogger("project.db")

URL_KEY = "DATABASE_URL"
_AUTH_FAILED = "28P01"  # invalid_password
# Rotation changes credentials only; NAME stays as configured (tests rename it).
_CREDENTIAL_FIELDS = ("USER", "PASSWORD")

# libpq's connection failures quote the host, the port, the user or the database
# name; each is a field of the database secret. Matched on libpq's wording (no
# pgcode is set before a session exists), reported by the part that failed.
_FAILURES = (
    ("could not translate host name", f"the host in {URL_KEY} does not resolve"),
    ("connection refused", f"connection refused at {URL_KEY}'s host and port"),
    ("timeout expired", f"connecting to {URL_KEY}'s host and port timed out"),
    ("timed out", f"connecting to {URL_KEY}'s host and port timed out"),
    ("no route to host", f"no route to {URL_KEY}'s host"),
    ("network is unreachable", f"no route to {URL_KEY}'s host"),
    ("password authentication failed", f"password authentication failed for {URL_KEY}'s user"),
    ("no password supplied", f"{URL_KEY} has no password and the server asks for one"),
    ("no pg_hba.conf entry", f"the server does not accept {URL_KEY}'s user from this host (pg_hba.conf)"),
    ("too many connections", f"the server at {URL_KEY}'s host has no free connection slot"),
    ("too many clients already", f"the server at {URL_KEY}'s host has too many clients already (pool them)"),
    ("remaining connection slots are reserved", f"the server at {URL_KEY}'s host has too many clients already"),
    ("starting up", f"the server at {URL_KEY}'s host is starting up"),
    ("shutting down", f"the server at {URL_KEY}'s host is shutting down"),
    ("ssl", f"TLS negotiation with {URL_KEY}'s host failed"),
    ("role", f"{URL_KEY}'s user does not exist on the server"),
    ("database", f"the database named in {URL_KEY} does not exist"),
)


class DatabaseConnectionError(psycopg2.OperationalError):
    """A connection failure named by key and failing part; libpq's own message is not kept.

    A psycopg2.OperationalError, so Django wraps it as django.db.OperationalError
    and /health/ reports it as "down" like any other.
    """


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        _refresh_secret(max_age=None)  # no AWS call while the cached secret is fresh
        self._take_credentials_from_environment()
        params = super().get_connection_params()
        if self.settings_dict.get(IAM_AUTH_SETTING):  # DATABASE_IAM_AUTH: a fresh token, no stored password
            params = with_iam_token(params)
        return params

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        try:
            try:
                return super().get_new_connection(conn_params)
            except psycopg2.OperationalError as exc:
                if not _is_authentication_failure(exc) or not _refresh_secret(max_age=0):
                    raise
                logger.warning("database authentication failed; retrying once with the re-fetched %s", URL_KEY)
                self._take_credentials_from_environment()
                return super().get_new_connection(self.get_connection_params())  # IAM auth: a fresh token too
        except psycopg2.OperationalError as exc:
            raise DatabaseConnectionError(_failing_part(exc)) from None  # libpq's text names host and user

    def _take_credentials_from_environment(self) -> None:
        if not os.environ.get(URL_KEY, "").strip():
            return
        fresh = env_database(URL_KEY)  # the settings' own reader: same parsing, same key-only errors
        for field in _CREDENTIAL_FIELDS:
            self.settings_dict[field] = fresh.get(field, self.settings_dict.get(field))


def _refresh_secret(*, max_age: float | None) -> bool:
    """``lambda_bootstrap.refresh`` for the database URL; False (and a warning) when AWS fails."""
    try:
        return lambda_bootstrap.refresh(URL_KEY, max_age=max_age)
    except lambda_bootstrap.BootstrapError as error:  # its message names the secret and the call, no value
        logger.warning("could not re-fetch the secret behind %s, keeping the cached credentials: %s", URL_KEY, error)
        return False


def _failing_part(exc: psycopg2.OperationalError) -> str:
    text = str(exc).lower()
    for marker, part in _FAILURES:
        if marker in text:
            return f"could not connect to the database: {part}"
    return f"could not connect to the database in {URL_KEY} (the server's message is withheld: it names the host)"


def _is_authentication_failure(exc: psycopg2.OperationalError) -> bool:
    # psycopg2 sets no pgcode for failures before the session starts; the server's
    # message is the only signal (and it holds no password).
    return getattr(exc, "pgcode", None) == _AUTH_FAILED or "password authentication failed" in str(exc)
