"""Django on the bootstrap: settings that read the declared schema, and a database that survives rotation.

``pip install lambda-bootstrap[django]``. In a settings module::

    from lambda_bootstrap.django import database
    from .schema import Keys                     # a lambda_bootstrap.schema.Schema

    SECRET_KEY = Keys.SECRET_KEY.read()
    DATABASES = {"default": database(Keys.DATABASE_URL, conn_max_age=Keys.DATABASE_CONN_MAX_AGE.read())}

:func:`database` builds the ``DATABASES`` entry from a URL key with
dj-database-url. A PostgreSQL URL gets the rotation-aware backend
(:mod:`.postgresql`): it re-reads the URL from the environment at each new
connection, asks the bootstrap to re-fetch the secret behind it when the cached
copy is older than ``BOOTSTRAP_SECRET_TTL`` or the password is refused, and
with IAM database auth signs a fresh token for each connection.
:func:`read_dotenv` fills the environment from a ``.env`` file on a developer's
machine, with the same strict reader as ``lambda-bootstrap push``.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError
from ..schema import Key

__all__ = ["BACKEND", "IAM_AUTH_SETTING", "URL_KEY_SETTING", "database", "parse_database_url", "read_dotenv"]

BACKEND = "lambda_bootstrap.django.postgresql"
URL_KEY_SETTING = "URL_KEY"  # the DATABASES entry's key naming the environment key of its URL
IAM_AUTH_SETTING = "IAM_AUTH"  # the DATABASES entry's key: each connection's password is an IAM token
_POSTGRES_ENGINES = ("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis")


def database(
    url: Key[str],
    *,
    default: str | None = None,
    conn_max_age: int = 0,
    transaction_pooling: bool = False,
    iam_auth: bool = False,
) -> dict[str, Any]:
    """A ``DATABASES`` entry from the URL in key ``url`` (read by its schema's rules).

    ``transaction_pooling``: behind RDS Proxy or PgBouncer in transaction mode, where a
    server-side cursor would outlive the transaction holding its server connection.
    ``iam_auth``: no stored password; each new connection presents an IAM token.
    """
    raw = url.read() if default is None else url.read(default)
    entry = parse_database_url(raw, url.name, conn_max_age=conn_max_age)
    if entry.get("ENGINE") in _POSTGRES_ENGINES:
        entry["ENGINE"] = BACKEND
        entry[URL_KEY_SETTING] = url.name
        entry["DISABLE_SERVER_SIDE_CURSORS"] = transaction_pooling
        entry[IAM_AUTH_SETTING] = iam_auth
        if iam_auth:
            from .postgresql.iam import check_iam_settings

            check_iam_settings(entry)
    elif iam_auth:
        raise ConfigurationError(f"IAM database auth needs a PostgreSQL URL in {url.name}", keys=[url.name])
    return entry


def parse_database_url(raw: str, key: str, *, conn_max_age: int = 0) -> dict[str, Any]:
    """dj-database-url's entry for ``raw``; an error names ``key`` only (its messages can quote the URL)."""
    import dj_database_url

    try:
        entry: dict[str, Any] = dict(dj_database_url.parse(raw, conn_max_age=conn_max_age, conn_health_checks=True))
    except Exception:
        raise ConfigurationError(
            f"{key} is not a valid database URL (scheme://user:pass@host:port/name)", keys=[key]
        ) from None
    if not entry.get("NAME"):
        raise ConfigurationError(f"{key} names no database", keys=[key])
    return entry


def read_dotenv(path: str | Path, environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Fill the environment from a .env file, if it exists, without overriding what is set; the keys set."""
    from ..dotenv import load_dotenv_file

    return load_dotenv_file(path, os.environ if environ is None else environ)
