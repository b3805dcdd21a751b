"""What hash-checked bytecode in the zip saves at every cold start.

Zappa dates every zip entry 1980-01-01, so an ordinary ``.pyc`` never matches
its source on Lambda and every module is compiled again at every cold start.
deploy/prebuild.py (Zappa's ``prebuild_script``) compiles hash-checked ones,
which stay valid. This takes a package Zappa built, extracts it twice (as
built, and with every ``__pycache__`` removed: what the zip held before), and
times, in fresh ``python -I -S -B`` processes alternating between the two, the
imports of a cold start: Zappa's handler (boto3 with it), Django's WSGI stack
and ORM, psycopg2, WhiteNoise and the bootstrap.

    zappa package prod -o coldstart-prod.zip      # or the zip bin/test builds
    .venv/bin/python -m bench.bytecode --package coldstart-prod.zip
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

__all__ = ["main"]

COLD_IMPORTS = """
import sys, time
sys.path.insert(0, sys.argv[1])
started = time.perf_counter()
import handler
import django.core.handlers.wsgi, django.db.models, django.template.defaulttags
import django.db.backends.postgresql.base, psycopg2, whitenoise.middleware, dj_database_url
import lambda_bootstrap.loader, botocore.session, concurrent.futures
print((time.perf_counter() - started) * 1000)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", type=Path, required=True, help="a zip built by `zappa package`")
    parser.add_argument("-n", "--runs", type=int, default=7, help="runs of each (default 7)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bytecode-bench-") as scratch:
        as_built = Path(scratch, "as-built")
        with zipfile.ZipFile(args.package) as archive:
            archive.extractall(as_built)
        without = Path(scratch, "without-bytecode")
        shutil.copytree(as_built, without)
        for cache in sorted(without.rglob("__pycache__"), reverse=True):
            shutil.rmtree(cache, ignore_errors=True)
        timings: dict[str, list[float]] = {"as built (hash-checked .pyc)": [], "without .pyc (compiled)": []}
        roots = dict(zip(timings, (as_built, without), strict=True))
        for run in range(args.runs):
            print(f"run {run + 1}/{args.runs}", file=sys.stderr)
            for label, root in roots.items():
                timings[label].append(_time_imports(root))
    print(f"\n{args.package.name}, Python {sys.version.split()[0]}, median of {args.runs} fresh processes:\n")
    print("| package | cold-start imports, ms (median) | min | max |\n| --- | ---: | ---: | ---: |")
    for label, values in timings.items():
        print(f"| {label} | {statistics.median(values):.0f} | {min(values):.0f} | {max(values):.0f} |")
    built, compiled = (statistics.median(v) for v in timings.values())
    print(f"\nsaved per cold start: {compiled - built:.0f} ms ({compiled / built:.1f}x)")
    return 0


def _time_imports(root: Path) -> float:
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", COLD_IMPORTS, str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        raise SystemExit(f"the cold-start imports failed in {root}:\n{result.stderr}")
    return float(result.stdout.strip())


if __name__ == "__main__":
    raise SystemExit(main())
