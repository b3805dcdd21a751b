"""The benchmark's tables, as Markdown (docs/benchmarks.md holds them as printed), and the targets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .matrix import BUNDLE, BY_PATH, FLOORS, MANIFEST, NAIVE, VARIANTS, CellResult
from .runner import Series

__all__ = ["matrix_table", "target_lines", "warm_table"]

# What each layout is held to at the target cell: bundle, the stages' default, the tightest.
TARGETS = ((BUNDLE, 1.3), (MANIFEST, 1.5), (BY_PATH, 1.5))


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]], right: Sequence[bool]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "".join(" ---: |" if r else " --- |" for r in right)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def matrix_table(results: list[CellResult]) -> str:
    rows = [
        (
            result.cell.n,
            result.cell.k,
            variant.name,
            f"{result.median_ms(variant):.0f}",
            f"{_ms(series.low('seconds'))}-{_ms(series.high('seconds'))}",
            f"{result.ratio_to_floor(variant):.2f}",
            series.same("proxy_calls"),
            len(series.runs),
        )
        for result in results
        for variant in VARIANTS
        for series in (result.series[variant.name],)
    ]
    header = ("N", "K", "variant", "cold ms (median)", "min-max", "x its lower bound", "AWS calls", "runs")
    return _table(header, rows, (True, True, False, True, True, True, True, True))


def warm_table(warm: dict[str, Series]) -> str:
    """Measured rows only: (b) and (d) run at module level, so a warm invocation runs none of their code."""
    rows = [
        (name, series.same("warm_calls"), f"{series.median('warm_us'):.2f}", len(series.runs))
        for name, series in warm.items()
    ]
    return _table(("warm invocation", "AWS calls", "µs per call (median)", "runs"), rows, (False, True, True, True))


def target_lines(
    result: CellResult | None, warm: dict[str, Series], rtt_ms: float, results: list[CellResult] | None = None
) -> list[str]:
    """One line per target: the figure, the target, met or missed."""
    lines = []
    many = [r for r in results or [] if r.cell.k <= 20]
    if many:
        worst = max(many, key=lambda r: r.ratio_to_floor(BUNDLE))
        ratio = worst.ratio_to_floor(BUNDLE)
        where = f"worst of every N and K ≤ 20: N={worst.cell.n}, K={worst.cell.k}, {rtt_ms:g} ms per call"
        floor = FLOORS[BUNDLE.floor].name
        lines.append(_verdict(f"{BUNDLE.name} ≤ 1.3x {floor} ({where})", f"{ratio:.2f}x", ratio <= 1.3))
    if result is not None:
        where = f"N={result.cell.n}, K={result.cell.k}, {rtt_ms:g} ms per call"
        for variant, bound in TARGETS:
            ratio = result.ratio_to_floor(variant)
            floor = FLOORS[variant.floor].name
            lines.append(_verdict(f"{variant.name} ≤ {bound}x {floor} ({where})", f"{ratio:.2f}x", ratio <= bound))
        for variant, _ in TARGETS:
            speedup = result.median_ms(NAIVE) / result.median_ms(variant)
            lines.append(_verdict(f"{variant.name} ≥ 5x faster than {NAIVE.name}", f"{speedup:.1f}x", speedup >= 5))
    bootstrap_warm = warm.get(BUNDLE.name)
    if bootstrap_warm is not None:
        calls, micros = bootstrap_warm.same("warm_calls"), bootstrap_warm.median("warm_us")
        lines.append(_verdict("warm load(): 0 AWS calls", str(calls), calls == 0))
        lines.append(_verdict("warm load(): < 50 µs", f"{micros:.2f} µs", micros < 50))
    return lines


def _verdict(target: str, figure: str, met: bool) -> str:
    return f"- {target}: {figure}: {'met' if met else 'MISSED'}"
