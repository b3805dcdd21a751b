"""The one merge: fetched entries into environment keys, every collision an error.

Used by the cold-start load (through :func:`.rules.stage_values`), by ``refresh`` and by the tool, across manifest
batches, pages, sources and the fields of one secret alike, so no path can
pick one of two values silently: ``token`` and ``TOKEN`` in one secret, two
SSM names in different batches, an RDS secret's own ``url`` field and the URL
built from its fields, a key in the bundle and in another secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import ConfigurationError
from .values import unexportable

__all__ = ["Entry", "Merged", "merge"]


@dataclass(frozen=True)
class Entry:
    """One environment key and its value, with where it came from; the value never shows in a repr.

    ``source`` is the label of the declared source (``ssm:/app/prod/``,
    ``secretsmanager:app/prod/config``): what the report shows. ``origin`` says
    exactly what produced the key (a parameter's name, a secret's field): what a
    conflict names.
    """

    key: str
    value: str = field(repr=False)
    source: str
    origin: str


@dataclass(frozen=True)
class Merged:
    values: dict[str, str] = field(repr=False)
    sources: dict[str, str]  # key -> source label


def merge(entries: Iterable[Entry]) -> Merged:
    """Entries into one mapping; raises one ConfigurationError naming every colliding pair.

    A value that no process environment can hold (a NUL, a lone surrogate) fails here, before
    anything is exported, so an export can never stop halfway.
    """
    values: dict[str, str] = {}
    first: dict[str, Entry] = {}
    conflicts: list[tuple[str, str, str]] = []
    for entry in entries:
        problem = unexportable(entry.value)
        if problem is not None:
            raise ConfigurationError(f"{entry.origin} cannot be exported as {entry.key}: {problem}", keys=[entry.key])
        earlier = first.get(entry.key)
        if earlier is not None:
            conflicts.append((entry.key, earlier.origin, entry.origin))
            continue
        first[entry.key] = entry
        values[entry.key] = entry.value
    if conflicts:
        described = "; ".join(f"environment key {k} is produced by both {a} and {b}" for k, a, b in conflicts)
        raise ConfigurationError(
            f"{described}; rename one of each pair (the bootstrap never picks one silently)",
            keys=[key for key, _, _ in conflicts],
        )
    return Merged(values, {key: entry.source for key, entry in first.items()})
