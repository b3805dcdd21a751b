"""What importing the bootstrap costs, from ``python -X importtime`` in fresh processes.

Three figures, each a median over fresh interpreters:

- ``import boto3`` (cumulative): paid by every variant, and by Zappa's handler
  anyway;
- ``import lambda_bootstrap`` after boto3: the bootstrap's own modules and
  whatever of the standard library boto3 had not imported (every module
  imported after boto3, self times summed);
- with a source configured, the modules ``load()`` imports lazily that boto3
  making the same two clients and one call on each would not: the
  bootstrap's share of the first load, not boto3's.

Powertools' parameters utility is measured the same way, for comparison.
All of these import from bytecode. Zappa's zip ships no ``__pycache__`` and
/var/task is read-only, so on Lambda every module is compiled from source at
each cold start: ``import lambda_bootstrap`` compiled from source is measured
too (with an empty bytecode cache that Python may not write to).
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .runner import ROOT

__all__ = ["ImportFigures", "measure_imports"]

_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")

AFTER_BOTO3_LOAD = "import boto3\nimport lambda_bootstrap\nlambda_bootstrap.load()\n"
AFTER_BOTO3_CALLS = """import boto3
boto3.client("ssm").get_parameters(Names=[{parameter!r}], WithDecryption=True)
boto3.client("secretsmanager").get_secret_value(SecretId={secret!r})
"""


@dataclass(frozen=True)
class ImportFigures:
    """Milliseconds, medians over runs."""

    boto3: float
    bootstrap_after_boto3: float
    bootstrap_from_source: float
    bootstrap_lazy: float
    lazy_modules: tuple[str, ...]
    powertools_after_boto3: float | None

    @property
    def bootstrap_total(self) -> float:
        return self.bootstrap_after_boto3 + self.bootstrap_lazy


def measure_imports(
    runs: int,
    load_env: dict[str, str],
    env: dict[str, str],
    same_calls: tuple[str, str],
    *,
    powertools: bool,
    workdir: Path,
) -> ImportFigures:
    """``load_env`` has a source configured; ``same_calls``: a parameter and a secret it loads, for boto3 alone."""
    calls_script = AFTER_BOTO3_CALLS.format(parameter=same_calls[0], secret=same_calls[1])
    boto3_ms, bootstrap_ms, source_ms, lazy_ms, powertools_ms = [], [], [], [], []
    empty_cache = workdir / "empty-pycache"
    empty_cache.mkdir(exist_ok=True)
    from_source = {**env, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(empty_cache)}
    lazy_names: set[str] = set()
    for _ in range(runs):
        boto3_ms.append(_cumulative(_importtime("import boto3", env), "boto3"))
        bootstrap_ms.append(_sum_after(_importtime("import boto3\nimport lambda_bootstrap", env), "boto3"))
        source_ms.append(_sum_after(_importtime("import boto3\nimport lambda_bootstrap", from_source), "boto3"))
        with_load = _after(_importtime(AFTER_BOTO3_LOAD, load_env), "lambda_bootstrap")
        boto3_alone = _after(_importtime(calls_script, env), "boto3")
        own = {name: us for name, us in with_load.items() if name not in boto3_alone}
        lazy_names.update(own)
        lazy_ms.append(sum(own.values()) / 1000)
        if powertools:
            script = "import boto3\nfrom aws_lambda_powertools.utilities import parameters"
            powertools_ms.append(_sum_after(_importtime(script, env), "boto3"))
    return ImportFigures(
        boto3=statistics.median(boto3_ms),
        bootstrap_after_boto3=statistics.median(bootstrap_ms),
        bootstrap_from_source=statistics.median(source_ms),
        bootstrap_lazy=statistics.median(lazy_ms),
        lazy_modules=tuple(sorted(lazy_names)),
        powertools_after_boto3=statistics.median(powertools_ms) if powertools_ms else None,
    )


def _importtime(script: str, env: dict[str, str]) -> list[tuple[int, int, int, str]]:
    """(self µs, cumulative µs, depth, module) per line, in the order Python prints them."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = []
    for match in _LINE.finditer(done.stderr):
        own, cumulative, indent, name = match.groups()
        lines.append((int(own), int(cumulative), (len(indent) - 1) // 2, name))
    return lines


def _cumulative(lines: list[tuple[int, int, int, str]], module: str) -> float:
    """Cumulative ms of ``module`` imported at top level (a nested import of it is not it)."""
    for _, cumulative, depth, name in lines:
        if depth == 0 and name == module:
            return cumulative / 1000
    raise RuntimeError(f"{module} not imported at top level")


def _sum_after(lines: list[tuple[int, int, int, str]], module: str) -> float:
    """Milliseconds of everything imported after ``module``'s top-level import."""
    return sum(_after(lines, module).values()) / 1000


def _after(lines: list[tuple[int, int, int, str]], module: str) -> dict[str, int]:
    """Self µs of every module imported after the top-level import of ``module`` finished."""
    for index, (_, _, depth, name) in enumerate(lines):
        if depth == 0 and name == module:
            return {n: own for own, _, _, n in lines[index + 1 :]}
    raise RuntimeError(f"{module} not imported at top level")
