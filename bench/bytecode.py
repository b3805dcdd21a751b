"""What the zip's bytecode saves at every cold start: hash-checked, unchecked, none.

Zappa dates every zip entry 1980-01-01, so an ordinary ``.pyc`` never matches
its source on Lambda and every module is compiled again at every cold start.
deploy/runtime_package.py (Zappa's ``zip`` callback) compiles hash-checked
ones with the runtime's interpreter. This takes a package Zappa built,
extracts it three times (as built; recompiled ``unchecked-hash``, whose
sources Python never reads at import; every ``__pycache__`` removed) and
times, in fresh
``python3.13 -I -S -B`` processes of the stage's runtime (testsupport/lambda_python.py)
taking turns, the imports of a cold start: Zappa's handler (boto3 with it),
Django's WSGI stack and ORM, psycopg2, WhiteNoise and the bootstrap.

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

from testsupport.lambda_python import the_runtime_python

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
        unchecked = Path(scratch, "unchecked-hash")
        shutil.copytree(as_built, unchecked)
        _recompile(unchecked, "unchecked-hash")
        without = Path(scratch, "without-bytecode")
        shutil.copytree(as_built, without)
        for cache in sorted(without.rglob("__pycache__"), reverse=True):
            shutil.rmtree(cache, ignore_errors=True)
        timings: dict[str, list[float]] = {
            "as built (hash-checked .pyc)": [],
            "unchecked hash-based .pyc (no source read at import)": [],
            "without .pyc (every module compiled)": [],
        }
        roots = dict(zip(timings, (as_built, unchecked, without), strict=True))
        for run in range(args.runs):
            print(f"run {run + 1}/{args.runs}", file=sys.stderr)
            for label, root in roots.items():
                timings[label].append(_time_imports(root))
    print(f"\n{args.package.name}, {the_runtime_python()}, median of {args.runs} fresh processes:\n")
    print("| package | cold-start imports, ms (median) | min | max |\n| --- | ---: | ---: | ---: |")
    for label, values in timings.items():
        print(f"| {label} | {statistics.median(values):.0f} | {min(values):.0f} | {max(values):.0f} |")
    built, unchecked_ms, compiled = (statistics.median(v) for v in timings.values())
    print(f"\nas built against unchecked: {built - unchecked_ms:+.0f} ms; against none: {built - compiled:+.0f} ms")
    return 0


def _recompile(root: Path, mode: str) -> None:
    command = [str(the_runtime_python()), "-I", "-m", "compileall", "-q", "-f", "--invalidation-mode", mode]
    subprocess.run([*command, "-j", "0", str(root)], check=True, capture_output=True)


def _time_imports(root: Path) -> float:
    result = subprocess.run(
        [str(the_runtime_python()), "-I", "-S", "-B", "-c", COLD_IMPORTS, str(root)],
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
