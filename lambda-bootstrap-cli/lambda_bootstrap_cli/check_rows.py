"""One row of ``check``'s report: a check's name, its status, a summary and details (names, never values).

WARN is advice (a secret older than the stage's rotation period): shown, and
not a failure, so ``check && zappa update`` still deploys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["FAIL", "PASS", "SKIP", "WARN", "CheckResult"]

PASS, FAIL, SKIP, WARN = "PASS", "FAIL", "SKIP", "WARN"


@dataclass
class CheckResult:
    name: str
    status: str
    summary: str
    details: list[str] = field(default_factory=list)
