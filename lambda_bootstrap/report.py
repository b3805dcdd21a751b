"""What a load did, by key name only: safe to log, to show on a health page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ENVIRONMENT", "LoadReport"]

ENVIRONMENT = "environment"


@dataclass(frozen=True)
class LoadReport:
    """Which key came from which source; holds no value, so its repr is safe.

    ``sources`` maps each exported or kept key to a source label
    (``ssm:/app/prod/``, ``secretsmanager:app/prod/database``) or to
    ``environment`` where a value already in the process won a conflict.
    """

    sources: Mapping[str, str] = field(default_factory=dict)
    kept_from_environment: tuple[str, ...] = ()
    overridden: tuple[str, ...] = ()
    aws_calls: int = 0
    retries: int = 0
    seconds: float = 0.0

    @property
    def configured(self) -> bool:
        """False when no AWS source was declared (local development)."""
        return bool(self.sources) or self.aws_calls > 0

    def keys_by_source(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for key, source in sorted(self.sources.items()):
            grouped.setdefault(source, []).append(key)
        return grouped
