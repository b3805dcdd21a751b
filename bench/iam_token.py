"""What IAM database auth costs a container: the first token (the rds client + signing) and a later one.

Each run is a fresh interpreter whose bootstrap has already made its first
client (as at cold start), so the figure is what the first database connection
adds. Signing is local: no AWS call, no network, fake credentials.

    .venv/bin/python -m bench.iam_token --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence

from testsupport.aws_env import FAKE_AWS, ROOT

__all__ = ["main"]

CHILD = """
import json, time
from lambda_bootstrap import clients, rds_auth
clients.default_clients("ssm")  # the bootstrap's first client, made at cold start anyway
target = rds_auth.iam_auth_target(
    "app.proxy-abc123.us-east-1.rds.amazonaws.com", 5432, "app_user", {"AWS_REGION": "us-east-1"}
)
started = time.perf_counter(); rds_auth.auth_token(target); first = time.perf_counter() - started
rds_auth.clock = lambda: 1e9  # past the reuse window: the next token is signed afresh
started = time.perf_counter(); rds_auth.auth_token(target); later = time.perf_counter() - started
print(json.dumps({"first": first, "later": later}))
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.iam_token", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | FAKE_AWS
    runs = []
    for _ in range(args.runs):
        done = subprocess.run(
            [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    first = statistics.median(r["first"] for r in runs) * 1000
    later = statistics.median(r["later"] for r in runs) * 1000
    print(
        f"median of {args.runs} fresh processes: first token {first:.0f} ms (rds client + signing), "
        f"a later fresh token {later:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
