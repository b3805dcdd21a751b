"""One write as a target applies it: the plan, the new values, and how to judge it again on another base.

:mod:`.writing` judges a write before it is made; a secret target may have to
re-apply it on a version another writer made current meanwhile
(:mod:`.secret_write`), and ``recheck`` judges that result by the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .plan import Plan

__all__ = ["Change"]


@dataclass(frozen=True)
class Change:
    stage: str  # the stage's name, for the commands that tell whether a write landed
    origin: str  # where the values come from: a .env file, ssm:PATH, the command line
    file: str | None  # the .env file, when there is one (``diff --against`` compares with it)
    plan: Plan
    desired: Mapping[str, str]
    prune: bool
    after: Mapping[str, Any]  # what the target holds after the write, on what was read
    recheck: Callable[[Mapping[str, str], Mapping[str, Any]], None]  # (held now, after): raise if refused
    kms_key: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys this write writes or deletes."""
        return self.plan.writes(self.prune)

    def find_out(self, selector: str, *, history: bool) -> str:
        """The command that tells whether a write whose answer never came landed.

        ``selector``: the options that pick the target (``--ssm``, ``--secret NAME``).
        """
        if self.file is not None:
            return f"lambda-bootstrap diff {self.stage}{selector} --against {self.file} (a key that landed is equal)"
        if history:
            return f"lambda-bootstrap history {self.stage}{selector} (is the version named above AWSCURRENT?)"
        return "run the same command again: a key that landed shows as unchanged"
