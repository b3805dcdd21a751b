"""Typed reads of ``os.environ`` for the settings modules.

Settings read configuration from the process environment only (the bootstrap
put it there on Lambda, ``.env`` locally). A missing or malformed value stops
start-up with ImproperlyConfigured naming the key, never echoing the value.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured

__all__ = ["env_bool", "env_database", "env_int", "env_list", "env_token", "require"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def require(key: str) -> str:
    value = os.environ.get(key, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{key} is not set: on Lambda it comes from the stage's SSM path or secrets "
            "(python -m lambda_bootstrap check <stage>); locally, put it in .env"
        )
    return value


def env_bool(key: str, default: bool) -> bool:
    raw = os.environ.get(key, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{key} must be a boolean (true/false, 1/0, yes/no, on/off)")


def env_int(key: str, default: int) -> int:
    raw = os.environ.get(key, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{key} must be an integer") from None


def env_token(key: str, *, min_length: int = 32) -> str:
    """An optional credential (empty when unset); a short one stops start-up, naming the key only."""
    value = os.environ.get(key, "").strip()
    if value and len(value) < min_length:
        raise ImproperlyConfigured(f"{key} must be at least {min_length} characters (a random token)")
    return value


def env_list(key: str, default: list[str] | None = None, *, required: bool = False) -> list[str]:
    raw = require(key) if required else os.environ.get(key, "")
    items = [item.strip() for item in raw.split(",") if item.strip()]
    return items if items or default is None else list(default)


def env_database(key: str, *, default: str | None = None, engines: tuple[str, ...] = ()) -> dict[str, Any]:
    """A DATABASES entry parsed by dj-database-url; a malformed URL names the key only."""
    import dj_database_url

    raw = os.environ.get(key, "").strip() or default
    if not raw:
        require(key)
    conn_max_age = env_int("DATABASE_CONN_MAX_AGE", 0)  # outside the try: its own error names its own key
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
