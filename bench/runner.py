"""Run measured children, each in a fresh process, and keep their figures.

Every run is a new interpreter, so imports and client creation are paid each
time as in a new Lambda container. AWS calls are counted twice: by the child
(botocore) and by the proxy (requests on the wire, retries included); a
mismatch is reported, not hidden.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .aws_proxy import AwsProxy

__all__ = ["FAKE_AWS", "ROOT", "Series", "child_environment", "run_child"]

ROOT = Path(__file__).resolve().parents[1]

# Fake credentials for moto, and nothing of a real AWS profile (as tests/conftest.py does).
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
_DROPPED = {"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "DJANGO_SETTINGS_MODULE", "STAGE", "PROJECT"}


class ChildFailed(RuntimeError):
    """A measured child exited non-zero or printed no figures: the run is not counted."""


def child_environment(endpoint: str, **extra: str) -> dict[str, str]:
    """This process's environment with fake AWS credentials, boto3 pointed at ``endpoint``, no BOOTSTRAP_*."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED and not k.startswith(("BOOTSTRAP_", "AWS_"))}
    env.update(FAKE_AWS, AWS_ENDPOINT_URL=endpoint)
    env.update(extra)
    return env


def run_child(args: list[str], env: dict[str, str], proxy: AwsProxy, timeout: float = 300) -> dict[str, Any]:
    """Run ``python ARGS`` from the repo root; its last stdout line is JSON. Adds wall time and proxy calls."""
    before = proxy.stats.total
    launched_at = time.time()  # the wall clock, comparable with the child's own time.time()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
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
