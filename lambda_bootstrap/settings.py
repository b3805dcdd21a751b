"""Read the bootstrap's own settings: non-secret pointers in plain env vars.

Everything the bootstrap needs to find a stage's configuration is a pointer
that is safe to keep in ``zappa_settings.json`` and in the Lambda's
configuration: an SSM path, secret ids, key names. ``{app}`` and ``{stage}`` in
them are filled from ``BOOTSTRAP_APP`` / ``BOOTSTRAP_STAGE``, or else from the
``PROJECT`` / ``STAGE`` variables that Zappa's handler sets before Django
imports its settings, so one block of settings serves every stage and a
staging block can never read prod's path by a copy-paste slip.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import ConfigurationError
from .values import parse_bool

__all__ = ["BootstrapSettings", "SecretSource", "read_settings"]

SSM_PATH = "BOOTSTRAP_SSM_PATH"
SSM_MANIFEST = "BOOTSTRAP_SSM_MANIFEST"
BUNDLE = "BOOTSTRAP_BUNDLE"
SECRETS = "BOOTSTRAP_SECRETS"
REQUIRED = "BOOTSTRAP_REQUIRED"
RESERVED = "BOOTSTRAP_RESERVED"
OVERRIDE = "BOOTSTRAP_OVERRIDE"
BINARY_SECRETS = "BOOTSTRAP_BINARY_SECRETS"
TIMEOUT = "BOOTSTRAP_TIMEOUT"
MAX_ATTEMPTS = "BOOTSTRAP_MAX_ATTEMPTS"
SECRET_TTL = "BOOTSTRAP_SECRET_TTL"  # noqa: S105 - a variable's name, not a secret
APP = "BOOTSTRAP_APP"
STAGE = "BOOTSTRAP_STAGE"

_PLACEHOLDER = re.compile(r"\{([a-z]+)\}")
_PREFIX_CHARS = re.compile(r"[^A-Za-z0-9]+")
_EXPLICIT_PREFIX = re.compile(r"([A-Za-z_][A-Za-z0-9_]*|)=(.*)")


@dataclass(frozen=True)
class SecretSource:
    """One Secrets Manager secret and the env-key prefix its values get."""

    secret_id: str
    prefix: str

    @property
    def label(self) -> str:
        return f"secretsmanager:{self.secret_id}"


@dataclass(frozen=True)
class BootstrapSettings:
    ssm_path: str | None
    ssm_manifest: str | None
    bundle: str | None  # one Secrets Manager secret holding {"KEY": "value", ...}: the default layout
    secrets: tuple[SecretSource, ...]
    required: tuple[str, ...]
    reserved: tuple[str, ...]  # keys only the stage's own declaration may set, never a source
    override: bool
    binary_secrets_as_base64: bool
    timeout: float
    max_attempts: int
    secret_ttl: float

    @property
    def configured(self) -> bool:
        """True when at least one AWS source is declared (else: local development)."""
        return self.ssm_path is not None or self.bundle is not None or bool(self.secrets)

    @property
    def ssm_label(self) -> str:
        return f"ssm:{self.ssm_path}"

    @property
    def bundle_label(self) -> str:
        return f"secretsmanager:{self.bundle}"

    @property
    def source_labels(self) -> tuple[str, ...]:
        labels = [self.ssm_label] if self.ssm_path is not None else []
        if self.bundle is not None:
            labels.append(self.bundle_label)
        return (*labels, *(s.label for s in self.secrets))


def read_settings(environ: Mapping[str, str]) -> BootstrapSettings:
    """Parse ``BOOTSTRAP_*`` from ``environ``; a malformed one is a ConfigurationError."""
    names = {"app": _first(environ, APP, "PROJECT"), "stage": _first(environ, STAGE, "STAGE")}
    raw_path = environ.get(SSM_PATH, "").strip()
    ssm_path = _normalise_path(_fill(raw_path, names, SSM_PATH)) if raw_path else None
    raw_manifest = environ.get(SSM_MANIFEST, "").strip()
    if raw_manifest and ssm_path is None:
        raise ConfigurationError(f"{SSM_MANIFEST} is set but {SSM_PATH} is not: the manifest lists names under it")
    bundle = _bundle_id(environ.get(BUNDLE, ""), names)
    secrets = _parse_secrets(environ.get(SECRETS, ""), names)
    if bundle is not None and bundle in {s.secret_id for s in secrets}:
        raise ConfigurationError(f"{BUNDLE} and {SECRETS} both name {bundle}: a secret is read one way only")
    return BootstrapSettings(
        ssm_path=ssm_path,
        ssm_manifest=_fill(raw_manifest, names, SSM_MANIFEST) if raw_manifest else None,
        bundle=bundle,
        secrets=secrets,
        required=_names(environ, REQUIRED),
        reserved=_names(environ, RESERVED),
        override=_flag(environ, OVERRIDE),
        binary_secrets_as_base64=_binary_mode(environ.get(BINARY_SECRETS, "error")),
        timeout=_number(environ, TIMEOUT, 8.0, low=0.5, high=60.0),
        # Attempts on 5xx and network errors; throttling is retried until the deadline (docs/failures.md).
        max_attempts=int(_number(environ, MAX_ATTEMPTS, 8, low=1, high=20)),
        secret_ttl=_number(environ, SECRET_TTL, 300.0, low=0.0, high=86400.0),
    )


def _first(environ: Mapping[str, str], *keys: str) -> str | None:
    for key in keys:
        value = environ.get(key, "").strip()
        if value:
            return value
    return None


def _fill(template: str, names: Mapping[str, str | None], setting: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            raise ConfigurationError(f"{setting} uses {{{name}}}; only {{app}} and {{stage}} are known")
        value = names[name]
        if value is None:
            source = f"BOOTSTRAP_{name.upper()}"
            zappa = "PROJECT" if name == "app" else "STAGE"
            raise ConfigurationError(f"{setting} uses {{{name}}} but neither {source} nor Zappa's {zappa} is set")
        return value

    return _PLACEHOLDER.sub(replace, template)


def _normalise_path(path: str) -> str:
    if not path.startswith("/"):
        raise ConfigurationError(f"{SSM_PATH} must start with '/', got {path!r}")
    return path.rstrip("/") + "/"


def _bundle_id(raw: str, names: Mapping[str, str | None]) -> str | None:
    """``BOOTSTRAP_BUNDLE``: a secret id or ARN; a bare name is ``{app}/{stage}/name``."""
    secret_id = _fill(raw.strip(), names, BUNDLE)
    if not secret_id:
        return None
    if "/" not in secret_id and not secret_id.startswith("arn:"):
        secret_id = _fill("{app}/{stage}/", names, BUNDLE) + secret_id
    return secret_id


def _parse_secrets(raw: str, names: Mapping[str, str | None]) -> tuple[SecretSource, ...]:
    """``[PREFIX=]id`` entries, comma-separated; a bare name is ``{app}/{stage}/name``."""
    sources: list[SecretSource] = []
    for entry in (e.strip() for e in raw.split(",")):
        if not entry:
            continue
        explicit = _EXPLICIT_PREFIX.fullmatch(entry)
        prefix, secret_id = (explicit.group(1), explicit.group(2)) if explicit else ("", entry)
        secret_id = _fill(secret_id.strip(), names, SECRETS)
        if not secret_id:
            raise ConfigurationError(f"{SECRETS} has an entry with no secret id: {entry!r}")
        if "/" not in secret_id and not secret_id.startswith("arn:"):
            secret_id = _fill("{app}/{stage}/", names, SECRETS) + secret_id
        if not explicit:
            if secret_id.startswith("arn:"):
                raise ConfigurationError(f"{SECRETS}: give an ARN a key prefix, e.g. DATABASE={secret_id}")
            prefix = secret_id.rsplit("/", 1)[-1]
        sources.append(SecretSource(secret_id=secret_id, prefix=_PREFIX_CHARS.sub("_", prefix.strip()).upper()))
    ids = [s.secret_id for s in sources]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigurationError(f"{SECRETS} names a secret twice: {', '.join(duplicates)}")
    return tuple(sources)


def _names(environ: Mapping[str, str], key: str) -> tuple[str, ...]:
    return tuple(k for k in (p.strip() for p in environ.get(key, "").split(",")) if k)


def _flag(environ: Mapping[str, str], key: str) -> bool:
    raw = environ.get(key, "")
    value = parse_bool(raw) if raw.strip() else False
    if value is None:
        raise ConfigurationError(f"{key} must be true or false (true/false, 1/0, yes/no, on/off)")
    return value


def _binary_mode(value: str) -> bool:
    mode = value.strip().lower() or "error"
    if mode not in {"error", "base64"}:
        raise ConfigurationError(f"{BINARY_SECRETS} must be 'error' or 'base64', got {mode!r}")
    return mode == "base64"


def _number(environ: Mapping[str, str], key: str, default: float, *, low: float, high: float) -> float:
    raw = environ.get(key, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{key} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{key} must be between {low:g} and {high:g}, got {raw}")
    return value
