"""Run measured children, each in a fresh process, and keep their figures.

Every run is a new interpreter, so imports and client creation are paid each
time as in a new Lambda container. AWS calls are counted twice: by the child
(botocore) and by the proxy (requests on the wire, retries included); a
mismatch is reported, not hidden.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testsupport.aws_env import ROOT
from testsupport.aws_proxy import AwsProxy

__all__ = ["Series", "run_child"]


class ChildFailed(RuntimeError):
    """A measured child exited non-zero or printed no figures: the run is not counted."""


def run_child(
    args: list[str],
    env: dict[str, str],
    proxy: AwsProxy,
    timeout: float = 300,
    *,
    python: str = sys.executable,
    cwd: Path = ROOT,
) -> dict[str, Any]:
    """Run ``python ARGS`` (the test venv's, unless told); its last stdout line is JSON. Adds wall time, proxy calls."""
    before = proxy.stats.total
    launched_at = time.time()  # the wall clock, comparable with the child's own time.time()
    started = time.perf_counter()
    done = subprocess.run(
        [python, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    wall = time.perf_counter() - started
    reaped_at = time.time()
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise ChildFailed(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    result.update(wall=wall, launched_at=launched_at, reaped_at=reaped_at, proxy_calls=proxy.stats.total - before)
    return result


@dataclass
class Series:
    """The runs of one measurement; medians are what the tables quote."""

    runs: list[dict[str, Any]] = field(default_factory=list)

    def values(self, key: str) -> list[float]:
        return [float(r[key]) for r in self.runs]

    def median(self, key: str) -> float:
        return statistics.median(self.values(key))

    def low(self, key: str) -> float:
        return min(self.values(key))

    def high(self, key: str) -> float:
        return max(self.values(key))

    def same(self, key: str) -> Any:
        """A figure that should not vary between runs (a call count); the set if it does."""
        seen = sorted({r[key] for r in self.runs})
        return seen[0] if len(seen) == 1 else "/".join(map(str, seen))
