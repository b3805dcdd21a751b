"""Typed reads of the process environment for the settings modules.

Settings read configuration from the process environment only (the bootstrap
put it there on Lambda; dev.py loads ``.env`` into it locally). A missing or
malformed value stops start-up with ImproperlyConfigured naming the key,
never echoing the value.

Every reader is registered with :func:`typed_reader`, which marks it with an
``env_type`` attribute: ``python -m lambda_bootstrap check <stage>`` finds the
readers the stage's settings call by that mark and calls them with the stage's
values through the ``environ`` keyword, so what a cold start would reject,
the check rejects first. A setting read any other way is invisible to it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured

from lambda_bootstrap.values import is_blank

__all__ = [
    "READERS",
    "env_bool",
    "env_choice",
    "env_database",
    "env_int",
    "env_list",
    "env_str",
    "env_token",
    "require",
]

F = TypeVar("F", bound=Callable[..., Any])

READERS: dict[str, str] = {}  # reader name -> the type it reads, for the check and for people

MIN_DISTINCT_CHARACTERS = 5  # Django's own floor for a secret key (security.W009)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def typed_reader(env_type: str) -> Callable[[F], F]:
    """Register a reader: ``reader(key, ..., environ=mapping)`` returning the typed value."""

    def register(function: F) -> F:
        function.env_type = env_type  # type: ignore[attr-defined]
        READERS[function.__name__] = env_type
        return function

    return register


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


@typed_reader("non-empty text")
def require(key: str, *, min_length: int = 1, environ: Mapping[str, str] | None = None) -> str:
    """Set and visible (a zero-width space is not a value), and at least ``min_length`` characters."""
    value = _environ(environ).get(key, "").strip()
    if is_blank(value):
        raise ImproperlyConfigured(
            f"{key} is not set: these settings read the process environment only; on Lambda the "
            "bootstrap fills it from the stage's sources (python -m lambda_bootstrap check <stage>)"
        )
    if len(value) < min_length:
        raise ImproperlyConfigured(f"{key} must be at least {min_length} characters")
    if min_length > 1 and len(set(value)) < MIN_DISTINCT_CHARACTERS:
        raise ImproperlyConfigured(f"{key} must hold at least {MIN_DISTINCT_CHARACTERS} different characters")
    return value


@typed_reader("text")
def env_str(key: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    return _environ(environ).get(key, "").strip() or default


@typed_reader("boolean")
def env_bool(key: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    raw = _environ(environ).get(key, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{key} must be a boolean (true/false, 1/0, yes/no, on/off)")


@typed_reader("integer")
def env_int(key: str, default: int, *, environ: Mapping[str, str] | None = None) -> int:
    raw = _environ(environ).get(key, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{key} must be an integer") from None


@typed_reader("token of 32+ characters")
def env_token(key: str, *, min_length: int = 32, environ: Mapping[str, str] | None = None) -> str:
    """An optional credential (empty when unset); a short one stops start-up, naming the key only."""
    value = _environ(environ).get(key, "").strip()
    if not value:
        return value
    if len(value) < min_length:
        raise ImproperlyConfigured(f"{key} must be at least {min_length} characters (a random token)")
    if is_blank(value) or len(set(value)) < MIN_DISTINCT_CHARACTERS:
        raise ImproperlyConfigured(
            f"{key} must be a random token: at least {MIN_DISTINCT_CHARACTERS} different visible characters"
        )
    return value


@typed_reader("one of a set")
def env_choice(key: str, choices: Sequence[str], default: str, *, environ: Mapping[str, str] | None = None) -> str:
    """One of ``choices`` (compared upper-cased, as log levels are)."""
    raw = _environ(environ).get(key, "").strip().upper() or default
    if raw not in choices:
        raise ImproperlyConfigured(f"{key} must be one of {', '.join(choices)}")
    return raw


@typed_reader("list")
def env_list(
    key: str,
    default: list[str] | None = None,
    *,
    required: bool = False,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    raw = require(key, environ=environ) if required else _environ(environ).get(key, "")
    items = [item.strip() for item in raw.split(",") if item.strip()]
    return items if items or default is None else list(default)


@typed_reader("database URL")
def env_database(
    key: str,
    *,
    default: str | None = None,
    engines: tuple[str, ...] = (),
    conn_max_age: int = 0,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A DATABASES entry parsed by dj-database-url; a malformed URL names the key only.

    ``conn_max_age`` is read by the caller (``env_int("DATABASE_CONN_MAX_AGE", 0)``),
    so that key is a typed read of its own that ``check`` and ``push`` see and name.
    """
    import dj_database_url

    raw = _environ(environ).get(key, "").strip() or default
    if not raw:
        require(key, environ=environ)
    try:
        config: dict[str, Any] = dict(
            dj_database_url.parse(str(raw), conn_max_age=conn_max_age, conn_health_checks=True)
        )
    except Exception:  # dj-database-url's messages can quote the URL, password included
        raise ImproperlyConfigured(f"{key} is not a valid database URL (scheme://user:pass@host:port/name)") from None
    if engines and config.get("ENGINE") not in engines:
        raise ImproperlyConfigured(f"{key} must point at one of: {', '.join(engines)}")
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{key} names no database")
    return config
