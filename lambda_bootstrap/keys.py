"""How AWS names become environment keys, and how secrets expand into keys.

The rules are deliberately strict and total: a name either maps to exactly one
valid key or is an error that names it. Nothing is dropped or guessed.

- SSM: the name relative to the stage path, ``/`` joined by ``_``, upper-cased:
  ``/myapp/prod/SECRET_KEY`` -> ``SECRET_KEY``, ``/myapp/prod/db/host`` -> ``DB_HOST``.
  Each segment may hold letters, digits and ``_`` only.
- A secret whose SecretString is a JSON object: one key per field,
  ``<PREFIX>_<FIELD>`` upper-cased (``<FIELD>`` alone when the prefix is empty).
  Non-string field values are exported as their JSON text (``5432``, ``true``).
- A plain-string secret: one key, ``<PREFIX>``.
- An RDS-style secret (engine, host, username, password; port and dbname
  optional) also yields ``<PREFIX>_URL`` (``DATABASE_URL`` when the prefix is
  empty) with user, password and database name percent-escaped. Its fields are
  checked (non-empty strings, a port from 1 to 65535): a null password never
  becomes the text ``None`` in a URL.
- A bundle (``BOOTSTRAP_BUNDLE``): a JSON object of ``KEY: "value"``, exported
  exactly as written; a key that is not an environment name, or a value that
  is not a string, is an error naming the key.
- A field that is null, or JSON nested too deeply to read, is an error naming
  the secret and the field. No message ever quotes a value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from .errors import ConfigurationError
from .merge import Entry, merge
from .rules import ENV_KEY, shown_name

__all__ = ["bundle_entries", "expand_secret", "json_object", "secret_entries", "ssm_entries", "ssm_env_key"]


def _invalid_key(name: str, source: str, reason: str, *, resource_name: bool = False) -> ConfigurationError:
    """``resource_name``: ``name`` is an AWS resource's own name (an SSM parameter's), shown whole."""
    shown = repr(name) if resource_name else shown_name(name, quoted=True)
    return ConfigurationError(f"{shown} from {source} cannot become an environment key: {reason}")


_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")
_SEGMENT = re.compile(r"[A-Za-z0-9_]+")
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RDS_FIELDS = frozenset({"engine", "host", "username", "password"})
_URL_SCHEMES = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "aurora-postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "aurora-mysql": "mysql",
    "aurora": "mysql",
}


def ssm_env_key(name: str, path: str) -> str:
    """The env key for SSM parameter ``name`` found under ``path`` (ending in ``/``)."""
    source = f"ssm:{path}"
    if not name.startswith(path):
        raise _invalid_key(name, source, f"it is not under {path}", resource_name=True)
    segments = name[len(path) :].split("/")
    bad = [s for s in segments if not _SEGMENT.fullmatch(s)]
    if bad:
        raise _invalid_key(name, source, "use only letters, digits and '_' between the slashes", resource_name=True)
    key = "_".join(segments).upper()
    if not ENV_KEY.fullmatch(key):
        raise _invalid_key(name, source, "an environment key cannot start with a digit", resource_name=True)
    return key


def ssm_entries(parameters: Iterable[tuple[str, str]], path: str, label: str) -> list[Entry]:
    """Parameters (full name, value) under ``path`` as entries, each named by its parameter."""
    return [Entry(ssm_env_key(name, path), value, label, f"ssm:{name}") for name, value in parameters]


def bundle_entries(secret_string: str, label: str) -> list[Entry]:
    """A bundle: a JSON object whose keys are exported exactly as written."""
    fields = json_object(secret_string, label, what="a bundle")
    if fields is None:
        raise ConfigurationError(f"{label} is a bundle, so it must hold a JSON object of KEY: value")
    entries: list[Entry] = []
    for key, value in fields.items():
        if not ENV_KEY.fullmatch(key):
            raise _invalid_key(key, label, "a bundle's keys must be environment names: A-Z, 0-9 and '_'")
        if not isinstance(value, str):
            raise ConfigurationError(f"{label}: the value of {key} is {_kind(value)}, and a bundle holds strings only")
        entries.append(Entry(key, value, label, f"{label} key {key}"))
    return entries


def secret_entries(secret_string: str, prefix: str, label: str) -> list[Entry]:
    """The entries one secret's SecretString yields (plain string, JSON object, RDS-style)."""
    fields = json_object(secret_string, label, what="a secret")
    if fields is None:
        if not prefix:
            raise ConfigurationError(f"{label} is a plain string, so it needs a key prefix (PREFIX=id)")
        return [Entry(prefix, secret_string, label, label)]
    entries: list[Entry] = []
    for name, value in fields.items():
        if not _FIELD.fullmatch(name):
            raise _invalid_key(name, label, "a field name may hold letters, digits and '_' only")
        if value is None:
            raise ConfigurationError(f"{label}: field {name} is null; give it a value or remove it")
        key = f"{prefix}_{name}".upper() if prefix else name.upper()
        entries.append(Entry(key, _as_text(value, label, name), label, f"{label} field {name}"))
    if fields.keys() >= _RDS_FIELDS:
        url_key = f"{prefix}_URL" if prefix else "DATABASE_URL"
        entries.append(Entry(url_key, _rds_url(fields, label), label, f"{label} (the URL built from its RDS fields)"))
    return entries


def expand_secret(secret_string: str, prefix: str, label: str) -> dict[str, str]:
    """The env keys and values one secret yields, collisions between its own fields included."""
    return merge(secret_entries(secret_string, prefix, label)).values


def json_object(text: str, label: str, *, what: str) -> dict[str, Any] | None:
    """The JSON object ``text`` holds; None for a plain string (one not starting with '{')."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        fields = json.loads(text, object_pairs_hook=_unique_fields)
    except _DuplicateField as duplicate:
        raise ConfigurationError(
            f"{label} holds the field {shown_name(str(duplicate))} twice; JSON parsers keep one of them silently, "
            "so the bootstrap refuses both"
        ) from None
    except RecursionError:
        raise ConfigurationError(f"{label} is {what} nested too deeply to read") from None
    except ValueError as exc:
        # ``from None``: a JSONDecodeError carries the whole document in ``.doc``.
        raise ConfigurationError(
            f"{label} looks like a JSON object but does not parse (line {getattr(exc, 'lineno', '?')}, "
            f"column {getattr(exc, 'colno', '?')})"
        ) from None
    if not isinstance(fields, dict):
        raise ConfigurationError(f"{label} starts with '{{' but is not a JSON object")
    return fields


class _DuplicateField(ValueError):
    pass


def _unique_fields(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, value in pairs:
        if name in fields:
            raise _DuplicateField(name)
        fields[name] = value
    return fields


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


def _as_text(value: object, label: str, name: str) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except RecursionError:
        raise ConfigurationError(f"{label}: field {name} is nested too deeply to export") from None


def _rds_url(fields: dict[str, Any], label: str) -> str:
    for name in ("engine", "host", "username", "password"):
        if not isinstance(fields[name], str) or not fields[name]:
            raise ConfigurationError(f"{label} is an RDS-style secret, so its field {name} must be a non-empty string")
    dbname = fields.get("dbname")
    if dbname is not None and not isinstance(dbname, str):
        raise ConfigurationError(f"{label}: field dbname must be a string")
    scheme = _URL_SCHEMES.get(fields["engine"].lower())
    if scheme is None:
        # The engine's value is not echoed: a mistyped field could hold anything.
        raise ConfigurationError(f"{label} has an engine the bootstrap does not know; known: {', '.join(_URL_SCHEMES)}")
    port = fields.get("port")
    if port is None or port == "":
        port = 5432 if scheme == "postgres" else 3306
    if isinstance(port, bool) or not re.fullmatch(r"[0-9]{1,5}", str(port)) or not 0 < int(str(port)) < 65536:
        raise ConfigurationError(f"{label} has a port that is not an integer from 1 to 65535")
    user = quote(fields["username"], safe="")
    password = quote(fields["password"], safe="")
    host = fields["host"]
    if not _HOST.fullmatch(host):
        # Not echoed. A host carrying ':', '/', '?' or '#' would rewrite the URL's port, database or options.
        raise ConfigurationError(f"{label}: field host is not a host name or address (letters, digits, '.', '-')")
    return f"{scheme}://{user}:{password}@{host}:{int(str(port))}/{quote(dbname or '', safe='')}"
