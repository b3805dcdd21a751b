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
  empty) with user, password and database name percent-escaped.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from .errors import InvalidKeyError, SecretFormatError

__all__ = ["expand_secret", "ssm_env_key"]

_ENV_KEY = re.compile(r"[A-Z_][A-Z0-9_]*")
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
        raise InvalidKeyError(name, source, f"it is not under {path}")
    segments = name[len(path) :].split("/")
    bad = [s for s in segments if not _SEGMENT.fullmatch(s)]
    if bad:
        raise InvalidKeyError(name, source, "use only letters, digits and '_' between the slashes")
    key = "_".join(segments).upper()
    if not _ENV_KEY.fullmatch(key):
        raise InvalidKeyError(name, source, "an environment key cannot start with a digit")
    return key


def expand_secret(secret_string: str, prefix: str, label: str) -> dict[str, str]:
    """The env keys and values one secret's SecretString yields."""
    if not secret_string.lstrip().startswith("{"):
        if not prefix:
            raise SecretFormatError(f"{label} is a plain string, so it needs a key prefix (PREFIX=id)")
        return {prefix: secret_string}
    try:
        fields = json.loads(secret_string)
    except ValueError as exc:
        # ``from None``: a JSONDecodeError carries the whole document in ``.doc``.
        raise SecretFormatError(
            f"{label} looks like a JSON object but does not parse (line {getattr(exc, 'lineno', '?')}, "
            f"column {getattr(exc, 'colno', '?')})"
        ) from None
    if not isinstance(fields, dict):
        raise SecretFormatError(f"{label} starts with '{{' but is not a JSON object")
    expanded: dict[str, str] = {}
    for field, value in fields.items():
        if not _FIELD.fullmatch(field):
            raise InvalidKeyError(field, label, "a field name may hold letters, digits and '_' only")
        expanded[f"{prefix}_{field}".upper() if prefix else field.upper()] = _as_text(value)
    if fields.keys() >= _RDS_FIELDS:
        expanded[f"{prefix}_URL" if prefix else "DATABASE_URL"] = _rds_url(fields, label)
    return expanded


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _rds_url(fields: dict[str, object], label: str) -> str:
    engine = str(fields["engine"]).lower()
    scheme = _URL_SCHEMES.get(engine)
    if scheme is None:
        raise SecretFormatError(f"{label} has engine {engine!r}; known: {', '.join(sorted(_URL_SCHEMES))}")
    port = fields.get("port") or (5432 if scheme == "postgres" else 3306)
    try:
        port = int(str(port))
    except ValueError:
        raise SecretFormatError(f"{label} has a port that is not an integer") from None
    user = quote(str(fields["username"]), safe="")
    password = quote(str(fields["password"]), safe="")
    host = str(fields["host"])
    dbname = quote(str(fields.get("dbname") or ""), safe="")
    return f"{scheme}://{user}:{password}@{host}:{port}/{dbname}"
