"""A burst of cold starts against a faulty AWS: how many survive, with how many retries, how slowly.

Starts moto's server and :class:`testsupport.aws_proxy.AwsProxy` in front of it,
seeds one stage (a few SSM parameters, an RDS-style database secret and an API
secret), then, round after round, starts ``--processes`` fresh interpreters at
once. Each imports the bootstrap and makes its two boto3 clients (CPU work that
on this 2-core machine would otherwise smear the burst over seconds; the
cold-start benchmark measures it), waits at a barrier so that all of them call
AWS together, runs ``lambda_bootstrap.load()`` and reports back. moto's server
runs in its own process, so the proxy and moto do not share one interpreter. The proxy answers ``--rate`` of
the SSM and Secrets Manager calls with ThrottlingException (HTTP 400) or
InternalServerError (HTTP 500).

    .venv/bin/python -m testsupport.burst                          # 30 % and 100 % faults, 32 processes x 3 rounds
    .venv/bin/python -m testsupport.burst --rate 0.3 --processes 16 --rounds 5 --parameters 120 --manifest

Times are the bootstrap's own (``load()``, boto3 client creation included), not
the interpreter's start. No real AWS, no network but loopback.
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
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testsupport import aws_env
from testsupport import stage as stages
from testsupport.aws_env import FAKE_AWS, ROOT
from testsupport.aws_proxy import AwsProxy

__all__ = ["BurstResult", "run_burst", "seed_stage"]

APP, STAGE = "burst", "prod"
FAULTED_SERVICES = ("AmazonSSM.", "secretsmanager.")

# The child: import first (as Zappa's handler does before Django's settings), wait
# for the start line on stdin, then one cold load; one JSON line on stdout.
# BENCH_BACKOFF="base,cap" replaces the library's back-off constants (bench/burst_validate.py).
CHILD = """
import json, os, sys, time
import lambda_bootstrap
from lambda_bootstrap import retry
from lambda_bootstrap.clients import default_clients
if os.environ.get("BENCH_BACKOFF"):
    retry.BACKOFF_BASE, retry.BACKOFF_CAP = map(float, os.environ["BENCH_BACKOFF"].split(","))
default_clients("ssm"), default_clients("secretsmanager")  # client creation is not what a burst tests
print("ready", flush=True)
sys.stdin.readline()
started = time.perf_counter()
try:
    report = lambda_bootstrap.load()
    outcome = {"ok": True, "calls": report.aws_calls, "retries": report.retries}
except lambda_bootstrap.BootstrapError as error:
    outcome = {"ok": False, "error": type(error).__name__, "message": str(error).splitlines()[0]}
outcome["seconds"] = time.perf_counter() - started
print(json.dumps(outcome), flush=True)
"""


@dataclass
class BurstResult:
    """What one configuration's rounds of cold starts did."""

    tried: int = 0
    succeeded: int = 0
    calls: int = 0
    retries: int = 0
    seconds: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    faults: int = 0
    requests: int = 0

    @property
    def worst(self) -> float:
        return max(self.seconds, default=0.0)


def seed_stage(endpoint: str, parameters: int, manifest_dir: Path) -> dict[str, str]:
    """Seed the stage in moto (SSM layout: one parameter a key); returns the ``BOOTSTRAP_*`` pointers that load it."""
    import boto3

    settings = {f"SETTING_{i:03d}": f"value-of-SETTING_{i:03d}" for i in range(max(0, parameters - 2))}
    values = stages.seed_stage(APP, STAGE, "postgres://app:burst-pw@db/app", settings, endpoint, layout="ssm")
    secrets = boto3.client("secretsmanager", endpoint_url=endpoint)
    secrets.create_secret(Name=f"{APP}/{STAGE}/api", SecretString=json.dumps({"token": "burst-token"}))
    manifest = manifest_dir / "ssm-manifest.json"
    manifest.write_text(json.dumps(list(values)), encoding="utf-8")
    return {
        "BOOTSTRAP_SSM_PATH": "/{app}/{stage}/",
        "BOOTSTRAP_SECRETS": "database,api",
        "BOOTSTRAP_REQUIRED": "SECRET_KEY,ALLOWED_HOSTS,DATABASE_URL",
        "_MANIFEST": str(manifest),
    }


def child_environment(
    endpoint: str, pointers: dict[str, str], *, manifest: bool, extra: dict[str, str]
) -> dict[str, str]:
    stage = {k: v for k, v in pointers.items() if not k.startswith("_")}
    env = aws_env.child_environment(endpoint, PROJECT=APP, STAGE=STAGE, PYTHONPATH=str(ROOT), **stage, **extra)
    if manifest:
        env["BOOTSTRAP_SSM_MANIFEST"] = pointers["_MANIFEST"]
    return env


def run_round(
    processes: int, env: dict[str, str], before_release: Callable[[], None] | None = None
) -> list[dict[str, Any]]:
    """Start ``processes`` fresh interpreters, release them together, collect their outcomes.

    ``before_release`` runs once every child has imported, just before they call AWS
    (bench/burst_validate.py fills the proxy's token buckets there).
    """
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for child in children:  # every child has imported: the burst starts together
        assert child.stdout is not None
        child.stdout.readline()
    if before_release is not None:
        before_release()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    outcomes = []
    for child in children:
        out, err = child.communicate(timeout=60)
        lines = out.strip().splitlines()
        if child.returncode != 0 or not lines:
            outcomes.append({"ok": False, "error": "crash", "message": err.strip()[-300:], "seconds": 0.0})
        else:
            outcomes.append(json.loads(lines[-1]))
    return outcomes


def run_burst(
    moto_url: str,
    pointers: dict[str, str],
    *,
    rate: float,
    processes: int,
    rounds: int,
    seed: int,
    latency: float = 0.01,
    manifest: bool = False,
    extra_env: dict[str, str] | None = None,
) -> BurstResult:
    """``rounds`` bursts of ``processes`` cold starts through a proxy failing ``rate`` of the calls."""
    result = BurstResult()
    with AwsProxy(moto_url, latency=latency, fault_rate=rate, only=FAULTED_SERVICES, seed=seed) as proxy:
        env = child_environment(proxy.url, pointers, manifest=manifest, extra=extra_env or {})
        for _ in range(rounds):
            for outcome in run_round(processes, env):
                result.tried += 1
                result.seconds.append(outcome["seconds"])
                if outcome["ok"]:
                    result.succeeded += 1
                    result.calls += outcome["calls"]
                    result.retries += outcome["retries"]
                else:
                    result.errors[f"{outcome['error']}: {outcome['message']}"] += 1
        result.faults = sum(proxy.stats.faults.values())
        result.requests = proxy.stats.total
    return result


def print_table(rows: Sequence[tuple[str, BurstResult]]) -> None:
    header = ("configuration", "tried", "ok", "calls", "retries", "faults/requests", "median s", "worst s")
    print("  ".join(f"{h:>16}" if i else f"{h:<34}" for i, h in enumerate(header)))
    for label, r in rows:
        cells = (
            r.tried,
            r.succeeded,
            r.calls,
            r.retries,
            f"{r.faults}/{r.requests}",
            f"{statistics.median(r.seconds):.2f}" if r.seconds else "-",
            f"{r.worst:.2f}",
        )
        print("  ".join([f"{label:<34}", *(f"{c!s:>16}" for c in cells)]))
    for label, r in rows:
        for message, count in r.errors.most_common(3):
            print(f"  {label}: {count} x {message}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, action="append", help="share of calls faulted (repeatable); 0.3 and 1.0")
    parser.add_argument("--processes", type=int, default=32, help="cold starts released together per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7, help="the proxy's fault sequence")
    parser.add_argument("--latency", type=float, default=0.01, help="seconds added to every request")
    parser.add_argument("--parameters", type=int, default=6, help="SSM parameters in the stage")
    parser.add_argument("--manifest", action="store_true", help="fetch SSM by manifest (GetParameters x ceil(N/10))")
    parser.add_argument("--max-attempts", type=int, action="append", help="BOOTSTRAP_MAX_ATTEMPTS (repeatable)")
    parser.add_argument("--timeout", type=float, help="BOOTSTRAP_TIMEOUT")
    args = parser.parse_args(argv)
    os.environ.update(FAKE_AWS)
    os.environ.pop("AWS_PROFILE", None)

    with moto_process() as moto_url, tempfile.TemporaryDirectory() as folder:
        pointers = seed_stage(moto_url, args.parameters, Path(folder))
        rows = []
        for attempts in args.max_attempts or [None]:
            for rate in args.rate or [0.3, 1.0]:
                extra = {"BOOTSTRAP_MAX_ATTEMPTS": str(attempts)} if attempts else {}
                if args.timeout:
                    extra["BOOTSTRAP_TIMEOUT"] = str(args.timeout)
                result = run_burst(
                    moto_url,
                    pointers,
                    rate=rate,
                    processes=args.processes,
                    rounds=args.rounds,
                    seed=args.seed,
                    latency=args.latency,
                    manifest=args.manifest,
                    extra_env=extra,
                )
                label = f"{rate:.0%} faults, attempts {attempts or 'default'}"
                rows.append((label, result))
    ssm = f"{args.parameters} params by {'manifest' if args.manifest else 'path'}"
    print(f"# {args.processes} processes x {args.rounds} rounds; {ssm} + 2 secrets; seed {args.seed}")
    print_table(rows)


@contextmanager
def moto_process() -> Iterator[str]:
    """moto's server in a process of its own, on a free loopback port; yields its URL."""
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
