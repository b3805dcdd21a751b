"""What a stage may hold, and whether it would load: one rule set for the cold start and every write.

:func:`stage_values` is the one answer to "would this stage load?". The
cold-start load calls it on what it fetched; the operator tool calls it on
what a stage holds (``check``, ``roll``) and on what it would hold after a
write (``push``, ``migrate``, ``unset``, ``rollback``), before writing. So a
write is refused exactly when the next cold start would fail:

- key syntax: a key is an environment name (``[A-Z_][A-Z0-9_]*``; an SSM
  name or a secret's field maps to one by :mod:`.keys`);
- reserved keys: a key that changes how the process runs rather than what the
  app reads (the dynamic loader's preloads, Python's start-up, proxies, AWS
  credentials and endpoints, the bootstrap's own pointers, Django's settings
  module), plus the stage's own ``BOOTSTRAP_RESERVED`` (keys that may only come
  from the stage's declaration in zappa_settings.json, never from its sources);
- values no process environment can hold (a NUL, a lone surrogate);
- no two producers of one key (:mod:`.merge`);
- every ``BOOTSTRAP_REQUIRED`` key present and not blank (:func:`.values.is_blank`),
  whichever side of the precedence supplies it.

Messages name keys, sources and rules; never a value.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .errors import ConfigurationError
from .merge import Entry, merge
from .settings import BootstrapSettings
from .values import is_blank

__all__ = [
    "ENV_KEY",
    "RESERVED_KEYS",
    "RESERVED_PREFIXES",
    "StageValues",
    "missing_required",
    "reserved_keys",
    "shown_name",
    "stage_values",
]

logger = logging.getLogger("lambda_bootstrap")

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

SHOWN_NAME_LENGTH = 32
_PATH_LIKE = re.compile(r"[A-Za-z0-9_./-]+")


def shown_name(name: str, *, quoted: bool = False) -> str:
    """A name as a message may show it: whole when it can be a key, else only its length.

    A valid key (``DJANGO_ALGOLIA_EXCLUDED_LOCAL_INDEX_NAMES``: upper case, digits, ``_``)
    is shown whatever its length. Anything else is often a value in the wrong place (a
    wrapped line of a .env, base64 on a line of its own, ``KEY=value`` typed as a JSON
    key): only a short name in one case (``db-host``, ``/app/prod/db/host``) is echoed;
    mixed case, as base64 and random tokens have, is not.
    """
    letters = "".join(c for c in name if c.isalpha())
    one_case = letters.isupper() or letters.islower() or not letters
    short_path = len(name) <= SHOWN_NAME_LENGTH and _PATH_LIKE.fullmatch(name) is not None and one_case
    if ENV_KEY.fullmatch(name) or short_path:
        return repr(name) if quoted else name
    return f"a name of {len(name)} characters (not shown: it may be a value)"


def reserved_keys(keys: Iterable[str], extra: Iterable[str] = ()) -> list[str]:
    """The keys (sorted) a stage's sources may not set: the built-in list and the stage's ``extra``."""
    declared = set(extra)
    return sorted(k for k in keys if k in RESERVED_KEYS or k in declared or k.startswith(RESERVED_PREFIXES))


def missing_required(required: Iterable[str], final: Mapping[str, str]) -> list[str]:
    """Required keys that are absent or blank in the values the process would have."""
    return [key for key in required if is_blank(final.get(key, ""))]


@dataclass(frozen=True)
class StageValues:
    """What a load of the stage would leave in the process; values never show in a repr."""

    final: dict[str, str] = field(repr=False)  # the whole environment after the load
    exported: dict[str, str] = field(repr=False)  # what the load writes (fetched, minus what the environment keeps)
    sources: dict[str, str]  # each fetched key -> its source's label
    kept: tuple[str, ...] = ()  # set in the environment and in a source: the environment's value stays
    overridden: tuple[str, ...] = ()  # ... the source's value wins (BOOTSTRAP_OVERRIDE)


def stage_values(
    entries: Iterable[Entry],
    environ: Mapping[str, str],
    settings: BootstrapSettings,
    *,
    log: bool = True,
    require: bool = True,
) -> StageValues:
    """The stage's fetched entries as the process would hold them; ConfigurationError if it would not load.

    ``environ`` is the process environment before the load (on Lambda: the function's own
    variables and zappa_settings' ``environment_variables``). ``log``: warn about each key set
    on both sides (the cold start does; the tool reports it its own way). ``require=False``
    leaves ``BOOTSTRAP_REQUIRED`` to the caller (:func:`missing_required` on ``final``): the
    tool tells a stage still being filled from one a write would break.
    """
    merged = merge(entries)
    reserved = reserved_keys(merged.values, settings.reserved)
    if reserved:
        raise ConfigurationError(
            f"reserved key(s) in the stage's sources: {', '.join(reserved)} "
            f"(from {', '.join(sorted({merged.sources[k] for k in reserved}))}): they would change how the "
            "process runs, not what the app reads; remove them (`lambda-bootstrap unset <stage> KEY`)",
            keys=reserved,
        )
    final = dict(environ)
    kept: list[str] = []
    overridden: list[str] = []
    for key, value in merged.values.items():
        if key in environ and environ[key] != value:
            (overridden if settings.override else kept).append(key)
            if log:
                logger.warning(
                    "lambda_bootstrap: %s is set in the environment and in %s; using %s%s",
                    key,
                    merged.sources[key],
                    merged.sources[key] if settings.override else "the process environment",
                    "" if settings.override else " (BOOTSTRAP_OVERRIDE=true makes fetched values win)",
                )
            if not settings.override:
                continue
        final[key] = value
    missing = missing_required(settings.required, final) if require else []
    if missing:
        where = (
            f"looked in {', '.join(settings.source_labels)} and the process environment"
            if settings.source_labels
            else "no AWS source configured: looked in the process environment only"
        )
        raise ConfigurationError(
            f"required configuration missing or blank: {', '.join(missing)} ({where}; BOOTSTRAP_REQUIRED)",
            keys=missing,
        )
    exported = {key: value for key, value in merged.values.items() if key not in kept}
    return StageValues(final, exported, dict(merged.sources), tuple(sorted(kept)), tuple(sorted(overridden)))
