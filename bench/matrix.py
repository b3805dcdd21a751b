"""The cold-bootstrap matrix: every variant on every (N, K) cell, in fresh processes.

Runs are interleaved (one run of each variant in turn), so a machine that
slows down mid-cell slows every variant alike. The number of runs adapts to
the variant's speed: up to ``max_runs`` while they fit in ``budget`` seconds
of wall time per cell and variant, at least three, and a single run for a
variant whose one run already exceeds the budget (the naive pattern at N=500
takes over ten seconds; its spread is small next to its size).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from testsupport.aws_env import child_environment
from testsupport.aws_proxy import AwsProxy

from .runner import Series, run_child
from .scenario import Cell

__all__ = [
    "BUNDLE",
    "BY_PATH",
    "FLOOR",
    "MANIFEST",
    "NAIVE",
    "POWERTOOLS",
    "VARIANTS",
    "CellResult",
    "Variant",
    "expected_keys",
    "run_cell",
]


@dataclass(frozen=True)
class Variant:
    name: str
    child: str  # bench.child's variant
    layout: str = ""  # the bootstrap's: "bundle", "manifest" or "path"
    floor: str = "floor"  # the child whose time is this variant's lower bound: one client of its service, one call

    def environment(self, cell: Cell, endpoint: str, ca_bundle: str | None = None) -> dict[str, str]:
        extra = cell.bootstrap_environment(self.layout) if self.child == "bootstrap" else {}
        return child_environment(endpoint, ca_bundle=ca_bundle, BENCH_SPEC=_spec_json(cell), **extra)


VARIANTS = (
    Variant("(d) lower bound: 1st SSM client + 1 call", "floor"),
    Variant("(d) lower bound: 1st Secrets Manager client + 1 call", "floor_secrets", floor="floor_secrets"),
    Variant("(a) bootstrap, bundle (stage default)", "bootstrap", layout="bundle", floor="floor_secrets"),
    Variant("(a) bootstrap, manifest", "bootstrap", layout="manifest"),
    Variant("(a) bootstrap, by path", "bootstrap", layout="path"),
    Variant("(c) Powertools", "powertools"),
    Variant("(b) naive, one call per value", "naive"),
)
FLOOR, FLOOR_SECRETS, BUNDLE, MANIFEST, BY_PATH, POWERTOOLS, NAIVE = VARIANTS
FLOORS = {v.child: v for v in (FLOOR, FLOOR_SECRETS)}


@dataclass
class CellResult:
    cell: Cell
    series: dict[str, Series]

    def median_ms(self, variant: Variant) -> float:
        return self.series[variant.name].median("seconds") * 1000

    def ratio_to_floor(self, variant: Variant) -> float:
        return self.median_ms(variant) / self.median_ms(FLOORS[variant.floor])


def expected_keys(cell: Cell) -> int:
    """Env keys a complete load yields: one per parameter, four per JSON secret, one per plain one."""
    return cell.n + sum(4 if i % 2 == 0 else 1 for i in range(cell.k))


def run_cell(
    cell: Cell,
    proxy: AwsProxy,
    *,
    budget: float,
    max_runs: int,
    variants: tuple[Variant, ...] = VARIANTS,
    progress: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
) -> CellResult:
    series = {v.name: Series() for v in variants}
    planned = dict.fromkeys((v.name for v in variants), max_runs)
    round_ = 0
    while any(len(series[v.name].runs) < planned[v.name] for v in variants):
        round_ += 1
        for variant in variants:
            runs = series[variant.name].runs
            if len(runs) >= planned[variant.name]:
                continue
            result = run_child(
                ["-m", "bench.child", variant.child], variant.environment(cell, proxy.url, proxy.ca_bundle), proxy
            )
            _check(cell, variant, result)
            runs.append(result)
            if round_ == 1:
                planned[variant.name] = _plan(result["wall"], budget, max_runs)
            progress(
                f"  {cell.label:<12} {variant.name:<38} run {len(runs)}/{planned[variant.name]}: "
                f"{result['seconds'] * 1000:7.0f} ms, {result['proxy_calls']} AWS calls"
            )
    return CellResult(cell, series)


def _plan(first_wall: float, budget: float, max_runs: int) -> int:
    if first_wall >= budget:
        return 1
    return max(min(3, max_runs), min(max_runs, int(budget // first_wall)))


def _check(cell: Cell, variant: Variant, result: dict[str, object]) -> None:
    expected = {"floor": 10, "floor_secrets": cell.n}.get(variant.child, expected_keys(cell))
    if result["keys"] != expected:
        raise RuntimeError(f"{variant.name} on {cell.label} loaded {result['keys']} keys, expected {expected}")
    if result["calls"] != result["proxy_calls"]:
        print(
            f"  note: {variant.name} on {cell.label}: botocore made {result['calls']} calls, "
            f"the proxy saw {result['proxy_calls']} (connection errors retried?)",
            file=sys.stderr,
        )


def _spec_json(cell: Cell) -> str:
    import json

    return json.dumps(cell.spec())
