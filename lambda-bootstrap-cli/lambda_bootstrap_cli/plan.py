"""What a push would change, by key name only: added, changed, removed, unchanged.

Values are compared (to tell changed from unchanged) but never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Plan", "compare"]


@dataclass(frozen=True)
class Plan:
    target: str
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]

    @property
    def differs(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def writes(self, prune: bool) -> tuple[str, ...]:
        """The keys a push writes or deletes, in the order it does so."""
        return (*self.added, *self.changed, *(self.removed if prune else ()))

    def counts(self, prune: bool, *, done: bool = False) -> str:
        """What a push does, counted by kind: "write 1 key and delete 4 keys" (``done``: "wrote ...")."""
        writes = len(self.added) + len(self.changed)
        deletes = len(self.removed) if prune else 0
        parts = [f"{'wrote' if done else 'write'} {_keys(writes)}"] if writes else []
        parts += [f"{'deleted' if done else 'delete'} {_keys(deletes)}"] if deletes else []
        return " and ".join(parts) or "change nothing"

    def lines(self, source: str, *, prune: bool | None) -> list[str]:
        """The plan as text. ``prune`` None: a diff (removed keys are only reported)."""
        lines = [f"{self.target} against {source}:"]
        lines += [f"  + {key}  (only in {source})" for key in self.added]
        lines += [f"  ~ {key}  (value differs)" for key in self.changed]
        if prune is None:
            lines += [f"  - {key}  (only in AWS)" for key in self.removed]
        elif prune:
            lines += [f"  - {key}  (only in AWS: will be deleted)" for key in self.removed]
        else:
            lines += [f"  - {key}  (only in AWS: kept; --prune deletes it)" for key in self.removed]
        lines.append(
            f"  {len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged"
        )
        return lines


def compare(target: str, current: Mapping[str, object], desired: Mapping[str, object]) -> Plan:
    """Which keys ``desired`` adds, changes and removes against ``current`` (values compared, never kept)."""
    return Plan(
        target=target,
        added=tuple(sorted(desired.keys() - current.keys())),
        changed=tuple(sorted(k for k in desired.keys() & current.keys() if desired[k] != current[k])),
        removed=tuple(sorted(current.keys() - desired.keys())),
        unchanged=tuple(sorted(k for k in desired.keys() & current.keys() if desired[k] == current[k])),
    )


def _keys(count: int) -> str:
    return f"{count} key" if count == 1 else f"{count} keys"
