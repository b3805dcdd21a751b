"""What ``lambda-bootstrap exec`` adds over calling ``load()`` in the process itself.

``bin/bench exec`` (or ``.venv/bin/python -m bench.exec_overhead``) starts
moto's server, seeds one stage (N SSM parameters and one RDS-style database
secret, as the project's stages hold), puts testsupport/aws_proxy's delaying proxy
in front (``--rtt-ms`` per AWS call), and times, in fresh processes
alternating between the two, from the launch to the moment the application's
first line runs with every value in its environment:

- ``load()``: ``python -c "import lambda_bootstrap; lambda_bootstrap.load(); ..."``,
  what the Lambda's settings module does at cold start;
- ``exec``: ``lambda-bootstrap exec STAGE -- python -c "..."``: the
  CLI reads zappa_settings.json, runs the same ``load()``, then ``execvpe``
  starts the command's own interpreter. Its first line is the ready point.

Both check that the application sees every seeded key, and print the
medians, their ratio and the target (at most 1.2x).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3

from testsupport.aws_env import FAKE_AWS, ROOT, child_environment
from testsupport.aws_proxy import AwsProxy
from testsupport.moto_server import moto_server

from .sections import machine

__all__ = ["main"]

APP, STAGE = "benchexec", "prod"
TARGET_RATIO = 1.2
# The application's first line: when it ran (the wall clock, as the parent's), and how many stage keys it sees.
READY = "import os, sys, time; print(time.time(), sum(k.startswith(sys.argv[1]) for k in os.environ))"
DIRECT = (
    "import os, sys, time; import lambda_bootstrap; lambda_bootstrap.load(); "
    "print(time.time(), sum(k.startswith(sys.argv[1]) for k in os.environ))"
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bin/bench exec", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtt-ms", type=float, default=20.0, help="simulated round trip per AWS call (default 20)")
    parser.add_argument("--parameters", type=int, default=20, help="SSM parameters in the stage (default 20)")
    parser.add_argument("--runs", type=int, default=15, help="runs of each, alternating (default 15)")
    return parser.parse_args(argv)


def seed(endpoint: str, parameters: int) -> int:
    """The stage's values in moto; returns how many env keys they make (all prefixed ``BENCH_``)."""
    ssm = boto3.client("ssm", endpoint_url=endpoint)
    for index in range(parameters):
        ssm.put_parameter(
            Name=f"/{APP}/{STAGE}/BENCH_P{index:03d}", Value=f"value-{index}", Type="SecureString", Overwrite=True
        )
    secret = {"engine": "postgres", "host": "db.internal", "port": 5432, "username": "app", "password": "pw-bench"}
    boto3.client("secretsmanager", endpoint_url=endpoint).create_secret(
        Name=f"{APP}/{STAGE}/bench_db", SecretString=json.dumps(secret)
    )
    return parameters + len(secret) + 1  # the fields, and BENCH_DB_URL


def settings_file(folder: Path) -> Path:
    stage = {
        "project_name": APP,
        "aws_region": "us-east-1",
        "django_settings": "project.settings.aws_lambda",
        "environment_variables": {
            "BOOTSTRAP_SSM_PATH": "/{app}/{stage}/",
            "BOOTSTRAP_SECRETS": "bench_db",
            "BOOTSTRAP_REQUIRED": "BENCH_P000,BENCH_DB_URL",
        },
    }
    path = folder / "zappa_settings.json"
    path.write_text(json.dumps({STAGE: stage}), encoding="utf-8")
    return path


def run_once(argv: list[str], env: dict[str, str], cwd: Path, keys: int) -> float:
    """Seconds from launch to the application's first line; checks it saw every key."""
    launched = time.time()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"{argv[:4]} exited {done.returncode}:\n{done.stderr[-2000:]}")
    ready, seen = done.stdout.split()
    if int(seen) != keys:
        raise SystemExit(f"the application saw {seen} of the {keys} keys")
    return float(ready) - launched


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.update(FAKE_AWS)
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(key, None)
    figures: dict[str, list[float]] = {"load() in the process": [], "exec, then the command": []}
    with tempfile.TemporaryDirectory(prefix="exec-bench-") as workdir, moto_server() as moto_url:
        folder = Path(workdir)
        keys = seed(moto_url, args.parameters)
        settings_file(folder)
        with AwsProxy(moto_url, latency=args.rtt_ms / 1000, replay=True) as proxy:
            base = child_environment(proxy.url, PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(folder / "pycache"))
            base.pop("PYTHONDONTWRITEBYTECODE", None)  # both import from bytecode, as a built image does
            direct_env = {
                **base,
                "PROJECT": APP,
                "STAGE": STAGE,
                "BOOTSTRAP_SSM_PATH": "/{app}/{stage}/",
                "BOOTSTRAP_SECRETS": "bench_db",
                "BOOTSTRAP_REQUIRED": "BENCH_P000,BENCH_DB_URL",
            }
            via_exec = [sys.executable, "-m", "lambda_bootstrap", "exec", STAGE, "--quiet", "--"]
            commands = {
                "load() in the process": ([sys.executable, "-c", DIRECT, "BENCH_"], direct_env),
                "exec, then the command": ([*via_exec, sys.executable, "-c", READY, "BENCH_"], base),
            }
            for command, env in commands.values():  # warm-up: bytecode, the proxy's replay answers
                run_once(command, env, folder, keys)
            for index in range(args.runs):
                print(f"run {index + 1}/{args.runs}", file=sys.stderr, flush=True)
                for label, (command, env) in commands.items():
                    figures[label].append(run_once(command, env, folder, keys))
    print_report(args, figures, keys)
    return 0


def print_report(args: argparse.Namespace, figures: dict[str, list[float]], keys: int) -> None:
    print(f"Machine: {machine()}")
    print(
        f"Command: `bin/bench exec --rtt-ms {args.rtt_ms:g} --parameters {args.parameters} --runs {args.runs}` "
        f"({keys} keys: {args.parameters} SSM parameters and one database secret; fresh process per run)\n"
    )
    print("| launch to the application's first line, values loaded | median ms | min | max |")
    print("| --- | ---: | ---: | ---: |")
    for label, values in figures.items():
        ms = [v * 1000 for v in values]
        print(f"| {label} | {statistics.median(ms):.0f} | {min(ms):.0f} | {max(ms):.0f} |")
    direct_runs, exec_runs = figures.values()
    direct, via_exec = statistics.median(direct_runs), statistics.median(exec_runs)
    ratio = via_exec / direct
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    # Runs alternate, so each pair shares the machine's load at that moment: a steadier view on a busy machine.
    paired = statistics.median(e / d for d, e in zip(direct_runs, exec_runs, strict=True))
    print(
        f"\nexec adds {(via_exec - direct) * 1000:.0f} ms: {ratio:.2f}x the load in the process "
        f"(target: at most {TARGET_RATIO}x): {verdict}"
    )
    print(
        f"(per pair of consecutive runs, median {paired:.2f}x; fastest runs {min(exec_runs) / min(direct_runs):.2f}x)"
    )


if __name__ == "__main__":
    sys.exit(main())
