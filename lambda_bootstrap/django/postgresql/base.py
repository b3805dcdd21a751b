"""PostgreSQL backend that survives a rotated database password in a warm container.

Django builds connection parameters from ``settings.DATABASES`` once, at
import; after Secrets Manager rotates the password, a warm Lambda would keep
failing until it is recycled. This backend re-reads its URL (the environment
key named by the entry's ``URL_KEY``, ``DATABASE_URL`` by default) from
``os.environ`` each time it opens a connection, after asking the bootstrap to
re-fetch the secret behind it when the cached copy is older than
``BOOTSTRAP_SECRET_TTL``; and on an authentication failure it asks for a fresh
copy once and retries once. The bootstrap is the only thing that calls AWS;
open connections (CONN_MAX_AGE) make no call at all.

A refresh that fails (Secrets Manager throttled or down) never breaks a
connection by itself: the cached credentials are used, and a warning names the
key. The password is never logged and never in an error raised here.

With the entry's ``IAM_AUTH`` on (``database(..., iam_auth=True)``), the URL
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

from .. import IAM_AUTH_SETTING, URL_KEY_SETTING, parse_database_url
from .iam import with_iam_token

__all__ = ["DatabaseConnectionError", "DatabaseWrapper"]

logger = logging.getLogger("lambda_bootstrap.django")

URL_KEY = "DATABASE_URL"  # when the entry names none (an ENGINE set by hand)
_AUTH_FAILED = "28P01"  # invalid_password
# Rotation changes credentials only; NAME stays as configured (tests rename it).
_CREDENTIAL_FIELDS = ("USER", "PASSWORD")

# libpq's connection failures quote the host, the port, the user or the database
# name; each is a field of the database secret. Matched on libpq's wording (no
# pgcode is set before a session exists), reported by the part that failed
# ("{key}" is the URL's environment key).
_FAILURES = (
    ("could not translate host name", "the host in {key} does not resolve"),
    ("connection refused", "connection refused at {key}'s host and port"),
    ("timeout expired", "connecting to {key}'s host and port timed out"),
    ("timed out", "connecting to {key}'s host and port timed out"),
    ("no route to host", "no route to {key}'s host"),
    ("network is unreachable", "no route to {key}'s host"),
    ("password authentication failed", "password authentication failed for {key}'s user"),
    ("no password supplied", "{key} has no password and the server asks for one"),
    ("no pg_hba.conf entry", "the server does not accept {key}'s user from this host (pg_hba.conf)"),
    ("too many connections", "the server at {key}'s host has no free connection slot"),
    ("too many clients already", "the server at {key}'s host has too many clients already (pool them)"),
    ("remaining connection slots are reserved", "the server at {key}'s host has too many clients already"),
    ("starting up", "the server at {key}'s host is starting up"),
    ("shutting down", "the server at {key}'s host is shutting down"),
    ("ssl", "TLS negotiation with {key}'s host failed"),
    ("role", "{key}'s user does not exist on the server"),
    ("database", "the database named in {key} does not exist"),
)


class DatabaseConnectionError(psycopg2.OperationalError):
    """A connection failure named by key and failing part; libpq's own message is not kept.

    A psycopg2.OperationalError, so Django wraps it as django.db.OperationalError
    and /health/ reports it as "down" like any other.
    """


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def url_key(self) -> str:
        return str(self.settings_dict.get(URL_KEY_SETTING) or URL_KEY)

    def get_connection_params(self) -> dict[str, Any]:
        self._refresh_secret(max_age=None)  # no AWS call while the cached secret is fresh
        self._take_credentials_from_environment()
        params = super().get_connection_params()
        if self.settings_dict.get(IAM_AUTH_SETTING):  # a fresh token, no stored password
            params = with_iam_token(params, url_key=self.url_key)
        return params

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        try:
            try:
                return super().get_new_connection(conn_params)
            except psycopg2.OperationalError as exc:
                if not _is_authentication_failure(exc) or not self._refresh_secret(max_age=0):
                    raise
                logger.warning("database authentication failed; retrying once with the re-fetched %s", self.url_key)
                self._take_credentials_from_environment()
                return super().get_new_connection(self.get_connection_params())  # IAM auth: a fresh token too
        except psycopg2.OperationalError as exc:
            raise DatabaseConnectionError(_failing_part(exc, self.url_key)) from None  # libpq names host and user

    def _take_credentials_from_environment(self) -> None:
        raw = os.environ.get(self.url_key, "").strip()
        if not raw:
            return
        fresh = parse_database_url(raw, self.url_key)  # the settings' own parsing, same key-only errors
        for field in _CREDENTIAL_FIELDS:
            self.settings_dict[field] = fresh.get(field, self.settings_dict.get(field))

    def _refresh_secret(self, *, max_age: float | None) -> bool:
        """``lambda_bootstrap.refresh`` for the URL's key; False (and a warning) when AWS fails."""
        try:
            return lambda_bootstrap.refresh(self.url_key, max_age=max_age)
        except lambda_bootstrap.BootstrapError as error:  # its message names the secret and the call, no value
            logger.warning(
                "could not re-fetch the secret behind %s, keeping the cached credentials: %s", self.url_key, error
            )
            return False


def _failing_part(exc: psycopg2.OperationalError, key: str) -> str:
    text = str(exc).lower()
    for marker, part in _FAILURES:
        if marker in text:
            return f"could not connect to the database: {part.format(key=key)}"
    return f"could not connect to the database in {key} (the server's message is withheld: it names the host)"


def _is_authentication_failure(exc: psycopg2.OperationalError) -> bool:
    # psycopg2 sets no pgcode for failures before the session starts; the server's
    # message is the only signal (and it holds no password).
    return getattr(exc, "pgcode", None) == _AUTH_FAILED or "password authentication failed" in str(exc)
