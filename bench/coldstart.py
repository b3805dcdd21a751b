"""Cold-start benchmark: the bootstrap against the common alternatives, behind a simulated round trip.

``bin/bench`` (or ``.venv-bench/bin/python -m bench.coldstart``) starts moto's
server, seeds N SSM parameters and K secrets per cell, puts bench/aws_proxy's
delaying proxy in front (``--rtt-ms`` per AWS call) and measures, each run in a
fresh process: (a) the bootstrap by manifest and by path, (b) one call per
value, (c) Powertools, (d) the lower bound; then the warm-invocation cost, the
bootstrap's import time and the whole handler's cold start. Progress goes to
stderr, the tables (Markdown) to stdout. See the README's "Benchmarks".
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .aws_proxy import AwsProxy
from .handler import HandlerBench
from .imports import ImportFigures, measure_imports
from .matrix import VARIANTS, CellResult, Variant, run_cell
from .report import handler_table, import_table, machine_line, matrix_table, target_lines, warm_table
from .runner import FAKE_AWS, Series, child_environment, run_child
from .scenario import Cell, seed

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
    parser.add_argument("--no-handler", action="store_true", help="skip the whole-handler cold start")
    args = parser.parse_args(argv)
    if args.quick:
        args.ns, args.ks, args.max_runs, args.budget = "100", "5", 3, 2.0
    args.n_list = [int(n) for n in args.ns.split(",")]
    args.k_list = [int(k) for k in args.ks.split(",")]
    return args


@contextmanager
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


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
                run_child(["-m", "bench.child", variant.child], variant.environment(cell, proxy.url), proxy)
    finally:
        proxy.latency = latency


def measure_warm(cell: Cell, proxy: AwsProxy, runs: int) -> dict[str, Series]:
    chosen: list[Variant] = [VARIANTS[1], VARIANTS[2], VARIANTS[3]]
    warm = {v.name: Series() for v in chosen}
    for index in range(runs):
        for variant in chosen:
            _progress(f"warm invocations, {cell.label}: {variant.name} run {index + 1}/{runs}")
            args = ["-m", "bench.child", variant.child, "--warm"]
            warm[variant.name].runs.append(run_child(args, variant.environment(cell, proxy.url), proxy))
    return warm


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.update(FAKE_AWS)
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(key, None)
    database_url = os.environ.get("TEST_DATABASE_URL", "")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="coldstart-bench-") as workdir, moto_server() as moto_url:
        # Children import from bytecode, kept out of the work tree; the warm-up writes it.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(Path(workdir) / "pycache")
        _progress(f"seeding N={args.ns} parameters and K={args.ks} secrets into moto")
        cells = seed(moto_url, args.n_list, args.k_list, Path(workdir))
        handler_bench = None
        if not args.no_handler and database_url:
            handler_bench = HandlerBench(moto_url, database_url, Path(workdir))
        with AwsProxy(moto_url, latency=args.rtt_ms / 1000, replay=not args.no_replay) as proxy:
            warm_up(cells, proxy)
            results: list[CellResult] = []
            for index, cell in enumerate(cells, 1):
                _progress(f"cell {index}/{len(cells)}: {cell.label}, {args.rtt_ms:g} ms RTT")
                results.append(run_cell(cell, proxy, budget=args.budget, max_runs=args.max_runs, progress=_progress))
            target = next((r for r in results if (r.cell.n, r.cell.k) == TARGET_CELL), None)
            warm_cell = target.cell if target else cells[len(cells) // 2]
            warm = measure_warm(warm_cell, proxy, runs=3)
            _progress("import times (python -X importtime)")
            load_env = child_environment(proxy.url, **warm_cell.bootstrap_environment(manifest=True))
            spec = warm_cell.spec()
            same_calls = (spec["parameters"][0], spec["secrets"][0]["secret_id"])
            runs = 3 if args.quick else 5
            imports = measure_imports(
                runs, load_env, child_environment(proxy.url), same_calls, powertools=True, workdir=Path(workdir)
            )
            handlers: tuple[Series, Series] | None = None
            if handler_bench is not None:
                _progress("whole handler: migrating the database through Zappa's handler (not counted)")
                handler_bench.prepare(proxy)
                handler, handler_from_source = Series(), Series()
                runs = 3 if args.quick else 5
                for index in range(runs):
                    _progress(f"whole handler cold start, run {index + 1}/{runs}")
                    handler.runs.append(handler_bench.run(proxy))
                for index in range(3):
                    _progress(f"whole handler cold start, every module compiled from source, run {index + 1}/3")
                    handler_from_source.runs.append(handler_bench.run(proxy, from_source=True))
                handlers = (handler, handler_from_source)
    print_report(args, results, warm, warm_cell, imports, handlers, bool(database_url), time.perf_counter() - started)
    return 0


def print_report(
    args: argparse.Namespace,
    results: list[CellResult],
    warm: dict[str, Series],
    warm_cell: Cell,
    imports: ImportFigures,
    handlers: tuple[Series, Series] | None,
    had_database: bool,
    elapsed: float,
) -> None:
    command = "bin/bench" + ("" if not sys.argv[1:] else " " + shlex.join(sys.argv[1:]))
    replay = "moto's answers replayed by the proxy" if not args.no_replay else "every call answered by moto"
    print(f"Machine: {machine_line()}")
    print(f"Command: `{command}` ({args.rtt_ms:g} ms per AWS call, {replay}; took {elapsed:.0f} s)\n")
    print("### Cold bootstrap (fresh process each run; boto3 already imported, as in Zappa's handler)\n")
    print(matrix_table(results) + "\n")
    print(f"### Warm invocations ({warm_cell.label})\n")
    print(warm_table(warm) + "\n")
    print("### Import time\n")
    print(import_table(imports) + "\n")
    if handlers is not None:
        print("### Whole cold start: Zappa's handler + bootstrap + Django + first GET /health/ (PostgreSQL)\n")
        print(handler_table(*handlers) + "\n")
    elif not args.no_handler and not had_database:
        print("(whole-handler cold start skipped: no TEST_DATABASE_URL; bin/bench starts a PostgreSQL)\n")
    target = next((r for r in results if (r.cell.n, r.cell.k) == TARGET_CELL), None)
    print("### Targets (issue 5)\n")
    print("\n".join(target_lines(target, warm, imports, args.rtt_ms)))


if __name__ == "__main__":
    sys.exit(main())
