"""Does a role policy grant exactly what a stage needs? Compared grant by grant.

Both documents are flattened into (action, resource, condition) grants, so
statements split, merged or reordered differently still compare equal. An
account id in an ARN counts as ``*`` (a concrete account is narrower, never
broader). Anything the expected policy lacks is reported as broader: a
wildcard action, another resource, ``NotAction``/``NotResource``, a
statement without the condition. ``Deny`` statements only narrow, so they are
left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Audit", "audit", "grants"]

_ACCOUNT = re.compile(r"^(arn:[^:]*:[^:]*:[^:]*:)\d{12}(:)")


@dataclass(frozen=True)
class Audit:
    missing: tuple[str, ...]
    broader: tuple[str, ...]

    @property
    def exact(self) -> bool:
        return not self.missing and not self.broader

    def lines(self) -> list[str]:
        return [f"missing: {g}" for g in self.missing] + [f"broader than needed: {g}" for g in self.broader]


def audit(expected: Iterable[Mapping[str, Any]], actual: Iterable[Mapping[str, Any]]) -> Audit:
    """Compare the statements expected with the statements actually granted."""
    want = grants(expected)
    have = grants(actual)
    return Audit(missing=tuple(sorted(want - have)), broader=tuple(sorted(have - want)))


def grants(statements: Iterable[Mapping[str, Any]] | Mapping[str, Any]) -> set[str]:
    if isinstance(statements, Mapping):
        statements = [statements]
    found: set[str] = set()
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        condition = statement.get("Condition")
        suffix = f" when {_canonical(condition)}" if condition else ""
        actions = _listed(statement.get("Action")) or [f"NotAction {a}" for a in _listed(statement.get("NotAction"))]
        resources = _listed(statement.get("Resource")) or [
            f"NotResource {r}" for r in _listed(statement.get("NotResource"))
        ]
        for action in actions:
            for resource in resources:
                found.add(f"{action.lower()} on {_any_account(resource)}{suffix}")
    return found


def _any_account(resource: str) -> str:
    return _ACCOUNT.sub(r"\1*\2", resource)


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _canonical(condition: Any) -> str:
    def normal(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: normal(v) for k, v in value.items()}
        if isinstance(value, list):
            return sorted(normal(v) for v in value)
        return value

    return json.dumps(normal(condition), sort_keys=True)
