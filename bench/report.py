"""The benchmark's tables, as Markdown (so the README can hold them as printed), and the targets."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable, Sequence
from typing import Any

from .handler import cold_phases, cold_total, other_phases
from .imports import ImportFigures
from .matrix import VARIANTS, CellResult
from .runner import Series

__all__ = [
    "handler_table",
    "import_table",
    "machine_line",
    "matrix_table",
    "target_lines",
    "warm_table",
]

BOOTSTRAP_MANIFEST, BOOTSTRAP_PATH, NAIVE = VARIANTS[1], VARIANTS[2], VARIANTS[4]


def machine_line() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), model)
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]], right: Sequence[bool]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "".join(" ---: |" if r else " --- |" for r in right)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def matrix_table(results: list[CellResult]) -> str:
    rows = []
    for result in results:
        for variant in VARIANTS:
            series = result.series[variant.name]
            rows.append(
                (
                    result.cell.n,
                    result.cell.k,
                    variant.name,
                    f"{result.median_ms(variant):.0f}",
                    f"{series.low('seconds') * 1000:.0f}-{series.high('seconds') * 1000:.0f}",
                    f"{result.ratio_to_floor(variant):.2f}",
                    series.same("proxy_calls"),
                    len(series.runs),
                )
            )
    header = ("N", "K", "variant", "cold ms (median)", "min-max", "x lower bound", "AWS calls", "runs")
    return _table(header, rows, (True, True, False, True, True, True, True, True))


def warm_table(warm: dict[str, Series]) -> str:
    rows: list[tuple[str, Any, str, Any]] = [
        (name, series.same("warm_calls"), f"{series.median('warm_us'):.2f}", len(series.runs))
        for name, series in warm.items()
    ]
    rows.append(("(b) naive, (d) lower bound: module-level code, nothing runs warm", 0, "0", "-"))
    return _table(("warm invocation", "AWS calls", "µs per call (median)", "runs"), rows, (False, True, True, True))


def import_table(figures: ImportFigures) -> str:
    rows = [
        ("`import boto3` (every variant pays it; Zappa's handler imports it anyway)", f"{figures.boto3:.1f}"),
        ("`import lambda_bootstrap` after boto3", f"{figures.bootstrap_after_boto3:.1f}"),
        (
            "modules `load()` imports that boto3 making the same calls would not"
            + (f" ({', '.join(figures.lazy_modules)})" if figures.lazy_modules else ""),
            f"{figures.bootstrap_lazy:.1f}",
        ),
        ("**the bootstrap's own import, total**", f"**{figures.bootstrap_total:.1f}**"),
    ]
    rows.append(
        (
            "`import lambda_bootstrap` compiled from source (Zappa's zip ships no bytecode)",
            f"{figures.bootstrap_from_source:.1f}",
        )
    )
    if figures.powertools_after_boto3 is not None:
        rows.append(("for comparison: Powertools' `parameters` after boto3", f"{figures.powertools_after_boto3:.1f}"))
    return _table(("import (python -X importtime, fresh processes)", "ms (median)"), rows, (False, True))


def handler_table(series: Series, from_source: Series) -> str:
    """Phases from bytecode and, beside them, with every module compiled from source (Lambda with Zappa's zip)."""
    ours = [*cold_phases(series), cold_total(series)]
    compiled = [*cold_phases(from_source), cold_total(from_source)]
    rows = [(name, _ms(a), _ms(b)) for (name, a), (_, b) in zip(ours, compiled, strict=True)]
    rows += [(f"not in it: {name}", _ms(seconds), "") for name, seconds in other_phases(series)]
    run = series.runs[0]
    rows.append(
        (
            f"AWS calls: init {run['init_calls']} (bootstrap {run['bootstrap_calls']}), "
            f"requests {run['request_calls']}; /health/ answered {run['statuses']}",
            "",
            "",
        )
    )
    header = (
        "phase of one cold container (Zappa handler, prod stage)",
        f"ms, from bytecode (median of {len(series.runs)})",
        f"ms, compiled from source, as from Zappa's zip (median of {len(from_source.runs)})",
    )
    return _table(header, rows, (False, True, True))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def target_lines(
    result: CellResult | None, warm: dict[str, Series], imports: ImportFigures | None, rtt_ms: float
) -> list[str]:
    """One line per target of the issue: the figure, the target, met or missed by how much."""
    lines = []
    if result is not None:
        where = f"N={result.cell.n}, K={result.cell.k}, {rtt_ms:g} ms RTT"
        for variant in (BOOTSTRAP_MANIFEST, BOOTSTRAP_PATH):
            ratio = result.ratio_to_floor(variant)
            lines.append(_verdict(f"{variant.name} ≤ 1.5x lower bound ({where})", f"{ratio:.2f}x", ratio <= 1.5))
            speedup = result.median_ms(NAIVE) / result.median_ms(variant)
            lines.append(_verdict(f"{variant.name} ≥ 5x faster than (b) naive", f"{speedup:.1f}x", speedup >= 5))
    bootstrap_warm = warm.get(BOOTSTRAP_MANIFEST.name)
    if bootstrap_warm is not None:
        calls, micros = bootstrap_warm.same("warm_calls"), bootstrap_warm.median("warm_us")
        lines.append(_verdict("warm load(): 0 AWS calls", str(calls), calls == 0))
        lines.append(_verdict("warm load(): < 50 µs", f"{micros:.2f} µs", micros < 50))
    if imports is not None:
        total = imports.bootstrap_total
        lines.append(_verdict("bootstrap's import adds < 30 ms over boto3", f"{total:.1f} ms", total < 30))
    return lines


def _verdict(target: str, figure: str, met: bool) -> str:
    return f"- {target}: {figure}: {'met' if met else 'MISSED'}"
