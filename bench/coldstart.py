"""Cold-start benchmark: the bootstrap against the common alternatives, behind a simulated round trip.

``bin/bench`` (or ``.venv/bin/python -m bench.coldstart``) starts moto's
server, seeds N SSM parameters and K secrets per cell, puts testsupport/aws_proxy's
delaying proxy in front (``--rtt-ms`` per AWS call) and measures, each run in a
fresh process: (a) the bootstrap with a bundle (the stages' default), by
manifest and by path, (b) one call per value, (c) Powertools, (d) the lower
bound; then the warm-invocation cost. The whole Lambda init is bench/init.py's.
Progress goes to stderr; the tables (Markdown) go to stdout and, verbatim,
into docs/benchmarks.md (``--no-write`` leaves it).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

from testsupport.aws_env import use_fake_aws
from testsupport.aws_proxy import AwsProxy
from testsupport.moto_server import moto_server

from .matrix import BUNDLE, MANIFEST, POWERTOOLS, VARIANTS, CellResult, run_cell
from .report import matrix_table, target_lines, warm_table
from .runner import Series, run_child
from .scenario import Cell, seed
from .sections import DOCS, provenance, write_section

__all__ = ["main"]

TARGET_CELL = (100, 5)


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bin/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtt-ms", type=float, default=20.0, help="simulated round trip per AWS call (default 20)")
    parser.add_argument("--quick", action="store_true", help="only N=100, K=5, fewer runs (about a minute)")
    parser.add_argument("--ns", default="10,100,500", help="parameter counts (default 10,100,500)")
    parser.add_argument("--ks", default="1,5,20", help="secret counts (default 1,5,20)")
    parser.add_argument("--max-runs", type=int, default=7, help="runs per cell and variant, at most (default 7)")
    parser.add_argument(
        "--budget", type=float, default=5.0, help="seconds of runs per cell and variant before fewer runs (default 5)"
    )
    parser.add_argument("--no-replay", action="store_true", help="ask moto every time (see README: it serialises)")
    parser.add_argument(
        "--tls", action="store_true", help="serve the proxy over https, as AWS is (each new connection's TLS cost)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md as it is")
    args = parser.parse_args(argv)
    if args.quick:
        args.ns, args.ks, args.max_runs, args.budget = "100", "5", 3, 2.0
    args.n_list = [int(n) for n in args.ns.split(",")]
    args.k_list = [int(k) for k in args.ks.split(",")]
    return args


def warm_up(cells: list[Cell], proxy: AwsProxy) -> None:
    """One uncounted run of each variant per distinct request set, at zero latency.

    Compiles bytecode and fills the proxy's replay answers, so the first
    counted run is no different from the others. SSM requests depend on N only
    and secrets on K only, so the first row and the first column cover them all.
    """
    latency, proxy.latency = proxy.latency, 0.0
    first_n, first_k = cells[0].n, cells[0].k
    try:
        for cell in (c for c in cells if c.n == first_n or c.k == first_k):
            _progress(f"warm-up {cell.label} (not counted)")
            for variant in VARIANTS:
                run_child(
                    ["-m", "bench.child", variant.child], variant.environment(cell, proxy.url, proxy.ca_bundle), proxy
                )
    finally:
        proxy.latency = latency


def measure_warm(cell: Cell, proxy: AwsProxy, runs: int) -> dict[str, Series]:
    chosen = (BUNDLE, MANIFEST, POWERTOOLS)
    warm = {v.name: Series() for v in chosen}
    for index in range(runs):
        for variant in chosen:
            _progress(f"warm invocations, {cell.label}: {variant.name} run {index + 1}/{runs}")
            args = ["-m", "bench.child", variant.child, "--warm"]
            warm[variant.name].runs.append(
                run_child(args, variant.environment(cell, proxy.url, proxy.ca_bundle), proxy)
            )
    return warm


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    use_fake_aws()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="coldstart-bench-") as workdir, moto_server() as moto_url:
        # Children import from bytecode (as from the zip, which ships it), kept out of the work tree.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(Path(workdir) / "pycache")
        _progress(f"seeding N={args.ns} parameters and K={args.ks} secrets into moto")
        cells = seed(moto_url, args.n_list, args.k_list, Path(workdir))
        with AwsProxy(moto_url, latency=args.rtt_ms / 1000, replay=not args.no_replay, tls=args.tls) as proxy:
            warm_up(cells, proxy)
            results: list[CellResult] = []
            for index, cell in enumerate(cells, 1):
                _progress(f"cell {index}/{len(cells)}: {cell.label}, {args.rtt_ms:g} ms RTT")
                results.append(run_cell(cell, proxy, budget=args.budget, max_runs=args.max_runs, progress=_progress))
            target = next((r for r in results if (r.cell.n, r.cell.k) == TARGET_CELL), None)
            warm_cell = target.cell if target else cells[len(cells) // 2]
            warm = measure_warm(warm_cell, proxy, runs=3)
    command = shlex.join(["bin/bench", *(sys.argv[1:] if argv is None else argv)])
    lines = report_lines(args, results, warm, warm_cell)
    stamp = provenance(command, time.perf_counter() - started)
    replay = "moto's answers replayed" if not args.no_replay else "every call answered by moto"
    wire = "https (certifi's roots and the proxy's certificate)" if args.tls else "plain http"
    body = [stamp, f"{args.rtt_ms:g} ms per AWS call, {replay}, {wire}.", "", *lines]
    print("\n".join(body))
    if not args.no_write:
        write_section("benchmarks", body, DOCS / "benchmarks.md")
        _progress(f"written to {DOCS / 'benchmarks.md'}")
    return 0


def report_lines(
    args: argparse.Namespace,
    results: list[CellResult],
    warm: dict[str, Series],
    warm_cell: Cell,
) -> list[str]:
    lines = ["### Cold bootstrap (fresh process each run; boto3 already imported, as in Zappa's handler)", ""]
    lines += [matrix_table(results), "", f"### Warm invocations ({warm_cell.label})", "", warm_table(warm), ""]
    target = next((r for r in results if (r.cell.n, r.cell.k) == TARGET_CELL), None)
    return [*lines, "### Targets", "", *target_lines(target, warm, args.rtt_ms, results)]


if __name__ == "__main__":
    sys.exit(main())
