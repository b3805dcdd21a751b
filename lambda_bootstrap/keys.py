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

from .errors import InvalidKeyError, SecretFormatError, shown_name
from .merge import Entry, merge

__all__ = [
    "ENV_KEY",
    "RESERVED_KEYS",
    "RESERVED_PREFIXES",
    "bundle_entries",
    "check_not_reserved",
    "expand_secret",
    "json_object",
    "secret_entries",
    "ssm_entries",
    "ssm_env_key",
]

ENV_KEY = re.compile(r"[A-Z_][A-Z0-9_]*")
# A deny list, because an application's keys are its own to name: every variable below changes how
# a process runs (a shell's start-up file, the dynamic loader, TLS key logging, the proxy every
# request goes through, libpq's defaults, another runtime's options) rather than what the app reads.
RESERVED_PREFIXES = (
    "AWS_",
    "BOOTSTRAP_",
    "LAMBDA_",
    "_",
    "LD_",
    "DYLD_",
    "PYTHON",
    "PG",
    "SSL_",
    "OPENSSL_",
    "GCONV_",
    "MALLOC_",
    "GLIBC_",
    "GIT_",
    "NODE_",
    "PERL",
    "RUBY",
    "JAVA_",
    "JDK_",
    "CURL_",
)
RESERVED_KEYS = frozenset(
    {
        "PATH",
        "HOME",
        "SHELL",
        "USER",
        "TMPDIR",
        "TZ",
        "IFS",
        "ENV",
        "BASH_ENV",
        "PS4",
        "PROMPT_COMMAND",
        "SSLKEYLOGFILE",
        "LOCPATH",
        "NLSPATH",
        "HOSTALIASES",
        "RES_OPTIONS",
        "LOCALDOMAIN",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        "REQUESTS_CA_BUNDLE",
        "DJANGO_SETTINGS_MODULE",
        "PROJECT",
        "STAGE",
        "INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT",
    }
)
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
        raise InvalidKeyError(name, source, f"it is not under {path}", resource_name=True)
    segments = name[len(path) :].split("/")
    bad = [s for s in segments if not _SEGMENT.fullmatch(s)]
    if bad:
        raise InvalidKeyError(name, source, "use only letters, digits and '_' between the slashes", resource_name=True)
    key = "_".join(segments).upper()
    if not ENV_KEY.fullmatch(key):
        raise InvalidKeyError(name, source, "an environment key cannot start with a digit", resource_name=True)
    return key


def ssm_entries(parameters: Iterable[tuple[str, str]], path: str, label: str) -> list[Entry]:
    """Parameters (full name, value) under ``path`` as entries, each named by its parameter."""
    entries = [Entry(ssm_env_key(name, path), value, label, f"ssm:{name}") for name, value in parameters]
    for entry in entries:
        check_not_reserved(entry.key, label)
    return entries


def bundle_entries(secret_string: str, label: str) -> list[Entry]:
    """A bundle: a JSON object whose keys are exported exactly as written."""
    fields = json_object(secret_string, label, what="a bundle")
    if fields is None:
        raise SecretFormatError(f"{label} is a bundle, so it must hold a JSON object of KEY: value")
    entries: list[Entry] = []
    for key, value in fields.items():
        if not ENV_KEY.fullmatch(key):
            raise InvalidKeyError(key, label, "a bundle's keys must be environment names: A-Z, 0-9 and '_'")
        check_not_reserved(key, label)
        if not isinstance(value, str):
            raise SecretFormatError(f"{label}: the value of {key} is {_kind(value)}, and a bundle holds strings only")
        entries.append(Entry(key, value, label, f"{label} key {key}"))
    return entries


def secret_entries(secret_string: str, prefix: str, label: str) -> list[Entry]:
    """The entries one secret's SecretString yields (plain string, JSON object, RDS-style)."""
    fields = json_object(secret_string, label, what="a secret")
    if fields is None:
        if not prefix:
            raise SecretFormatError(f"{label} is a plain string, so it needs a key prefix (PREFIX=id)")
        check_not_reserved(prefix, label)
        return [Entry(prefix, secret_string, label, label)]
    entries: list[Entry] = []
    for name, value in fields.items():
        if not _FIELD.fullmatch(name):
            raise InvalidKeyError(name, label, "a field name may hold letters, digits and '_' only")
        if value is None:
            raise SecretFormatError(f"{label}: field {name} is null; give it a value or remove it")
        key = f"{prefix}_{name}".upper() if prefix else name.upper()
        check_not_reserved(key, label)
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
        raise SecretFormatError(
            f"{label} holds the field {shown_name(str(duplicate))} twice; JSON parsers keep one of them silently, "
            "so the bootstrap refuses both"
        ) from None
    except RecursionError:
        raise SecretFormatError(f"{label} is {what} nested too deeply to read") from None
    except ValueError as exc:
        # ``from None``: a JSONDecodeError carries the whole document in ``.doc``.
        raise SecretFormatError(
            f"{label} looks like a JSON object but does not parse (line {getattr(exc, 'lineno', '?')}, "
            f"column {getattr(exc, 'colno', '?')})"
        ) from None
    if not isinstance(fields, dict):
        raise SecretFormatError(f"{label} starts with '{{' but is not a JSON object")
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


def check_not_reserved(key: str, label: str) -> None:
    """Refuse a key that would change how the process itself runs, not what the application reads.

    Whoever can write a stage's configuration must not thereby choose the dynamic
    loader's preloads, Python's start-up file, the proxy every AWS request goes
    through, the AWS endpoint or credentials, or the bootstrap's own pointers.
    """
    if key in RESERVED_KEYS or key.startswith(RESERVED_PREFIXES):
        raise InvalidKeyError(key, label, "it is reserved: it would change how the process runs, not the app")


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


def _as_text(value: object, label: str, name: str) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except RecursionError:
        raise SecretFormatError(f"{label}: field {name} is nested too deeply to export") from None


def _rds_url(fields: dict[str, Any], label: str) -> str:
    for name in ("engine", "host", "username", "password"):
        if not isinstance(fields[name], str) or not fields[name]:
            raise SecretFormatError(f"{label} is an RDS-style secret, so its field {name} must be a non-empty string")
    dbname = fields.get("dbname")
    if dbname is not None and not isinstance(dbname, str):
        raise SecretFormatError(f"{label}: field dbname must be a string")
    scheme = _URL_SCHEMES.get(fields["engine"].lower())
    if scheme is None:
        # The engine's value is not echoed: a mistyped field could hold anything.
        raise SecretFormatError(f"{label} has an engine the bootstrap does not know; known: {', '.join(_URL_SCHEMES)}")
    port = fields.get("port")
    if port is None or port == "":
        port = 5432 if scheme == "postgres" else 3306
    if isinstance(port, bool) or not re.fullmatch(r"[0-9]{1,5}", str(port)) or not 0 < int(str(port)) < 65536:
        raise SecretFormatError(f"{label} has a port that is not an integer from 1 to 65535")
    user = quote(fields["username"], safe="")
    password = quote(fields["password"], safe="")
    host = fields["host"]
    if not _HOST.fullmatch(host):
        # Not echoed. A host carrying ':', '/', '?' or '#' would rewrite the URL's port, database or options.
        raise SecretFormatError(f"{label}: field host is not a host name or address (letters, digits, '.', '-')")
    return f"{scheme}://{user}:{password}@{host}:{int(str(port))}/{quote(dbname or '', safe='')}"
