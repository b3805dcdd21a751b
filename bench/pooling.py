"""A burst of requests against a small PostgreSQL, straight and through PgBouncer in transaction mode.

Starts its own PostgreSQL cluster with a deliberately small ``max_connections``
and PgBouncer (transaction pooling, ``--pool-size`` server connections) in
front of it. A fresh interpreter, with the project's prod settings and
database backend, starts ``--clients`` threads; each has its own Django
connection (Django's connections are per thread, as each Lambda container has
its own) and, released together, runs one request's worth of database work:
one transaction holding its connection ``--hold`` seconds (``SELECT
pg_sleep``), then closes the connection (``CONN_MAX_AGE=0``). Straight at
PostgreSQL, the clients past ``max_connections`` minus the superuser's reserved
slots fail with "sorry, too many clients already" (or "remaining connection
slots are reserved"); through PgBouncer, every client is accepted and the
transactions queue for the pool.

    .venv/bin/python -m bench.pooling                      # 50 clients, max_connections 20, pool 10, 3 rounds
    .venv/bin/python -m bench.pooling --clients 200 --no-write

It prints the figures and writes them, with the machine, date and command, into
the "Measured here" section of docs/database.md (``--no-write`` leaves it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from testsupport.pg import SUPERUSER_RESERVED, pgbouncer, postgres_cluster

from .sections import machine, replace_block

__all__ = ["BurstOutcome", "burst", "compare", "main"]

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "database.md"
BEGIN, END = "<!-- bench.pooling:begin -->", "<!-- bench.pooling:end -->"
LIMIT_ERRORS = ("too many clients already", "remaining connection slots are reserved")


@dataclass
class BurstOutcome:
    """One burst's outcome: successes, errors by kind, and the successful requests' times."""

    mode: str
    clients: int
    succeeded: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)  # each success, from the release to its end
    wall: float = 0.0

    @property
    def connection_limit_errors(self) -> int:
        return self.errors["too many clients"]

    @property
    def other_errors(self) -> int:
        return sum(self.errors.values()) - self.connection_limit_errors

    def percentile(self, q: float) -> float | None:
        """Nearest-rank percentile of the successful requests' times (None without successes)."""
        if not self.seconds:
            return None
        ordered = sorted(self.seconds)
        return ordered[max(0, min(len(ordered), math.ceil(q / 100 * len(ordered))) - 1)]

    def merge(self, other: BurstOutcome) -> None:
        self.clients += other.clients
        self.succeeded += other.succeeded
        self.errors.update(other.errors)
        self.seconds.extend(other.seconds)
        self.wall = max(self.wall, other.wall)


def burst(url: str, *, clients: int, hold: float, transaction_pooling: bool, mode: str) -> BurstOutcome:
    """``clients`` concurrent requests through the project's settings and backend, in one fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOOTSTRAP_", "DATABASE_")) and k != "STAGE"}
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings.prod",
        SECRET_KEY="bench-only-" + secrets.token_hex(24),
        ALLOWED_HOSTS="localhost",
        DATABASE_URL=url,
        DATABASE_TRANSACTION_POOLING="true" if transaction_pooling else "false",
        POOLING_CLIENTS=str(clients),
        POOLING_HOLD=str(hold),
    )
    done = subprocess.run(
        [sys.executable, "-m", "bench.pooling", "--child"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the burst's interpreter exited {done.returncode}:\n{done.stderr[-3000:]}")
    report = json.loads(lines[-1])
    outcome = BurstOutcome(mode, clients, wall=float(report["wall"]))
    for result in report["results"]:
        if result["error"] is None:
            outcome.succeeded += 1
            outcome.seconds.append(float(result["seconds"]))
        else:
            outcome.errors[str(result["error"])] += 1
    return outcome


def compare(
    *, clients: int, max_connections: int, pool_size: int, hold: float, rounds: int = 1
) -> tuple[list[BurstOutcome], dict[str, str]]:
    """Direct, then through PgBouncer, ``rounds`` times each; the outcomes merged per mode, and versions."""
    password = secrets.token_hex(16)
    direct = BurstOutcome(f"direct, max_connections {max_connections}", 0)
    pooled = BurstOutcome(f"PgBouncer transaction pool of {pool_size}", 0)
    with postgres_cluster(max_connections=max_connections) as cluster:
        cluster.add_role("app", password, database="app")
        # Direct first: PgBouncer's idle server connections would take slots from later direct rounds.
        for _ in range(rounds):
            direct.merge(
                burst(
                    cluster.url("app", password, "app"),
                    clients=clients,
                    hold=hold,
                    transaction_pooling=False,
                    mode=direct.mode,
                )
            )
        with pgbouncer(cluster, database="app", users={"app": password}, pool_size=pool_size) as bouncer:
            for _ in range(rounds):
                pooled.merge(
                    burst(
                        bouncer.url("app", password, "app"),
                        clients=clients,
                        hold=hold,
                        transaction_pooling=True,
                        mode=pooled.mode,
                    )
                )
            versions = {"PostgreSQL": cluster.version, "PgBouncer": bouncer.version}
    return [direct, pooled], versions


def table(outcomes: Sequence[BurstOutcome]) -> list[str]:
    lines = [
        "| mode | requests | succeeded | connection errors (too many clients) | other errors | p50 | p99 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for o in outcomes:
        lines.append(
            f"| {o.mode} | {o.clients} | {o.succeeded} | {o.connection_limit_errors} | {o.other_errors} "
            f"| {_ms(o.percentile(50))} | {_ms(o.percentile(99))} |"
        )
    return lines


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.0f} ms"


def section(outcomes: Sequence[BurstOutcome], versions: dict[str, str], args: argparse.Namespace, command: str) -> str:
    slots = args.max_connections - SUPERUSER_RESERVED
    software = ", ".join(f"{name} {version}" for name, version in versions.items())
    return "\n".join(
        [
            BEGIN,
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; {software}. "
            f"{args.clients} concurrent clients per round, {args.rounds} round(s), each request one transaction "
            f"holding its connection {args.hold * 1000:.0f} ms; written by:",
            "",
            "```sh",
            command,
            "```",
            "",
            *table(outcomes),
            "",
            f"Straight at the database, at most {slots} requests hold a connection at once "
            f"(`max_connections` {args.max_connections} minus {SUPERUSER_RESERVED} slots reserved for superusers); "
            "the others fail at once. Through the pooler every request is served, and the price is queueing: "
            f"the {args.pool_size} server connections serve the transactions in turn, which is the p99 above. "
            "The pool's own server connections count against `max_connections` like any client's (RDS Proxy's "
            "`MaxConnectionsPercent` bounds them), so size it below the database's limit.",
            "",
            f"So this database's ceiling is {slots} concurrent requests straight, and all {args.clients} measured "
            "through the pooler (its bound moves to the pooler's client limit and to how long requests may queue); "
            "the stage's ceiling is the smaller of this and its configuration's.",
            END,
        ]
    )


def write_section(text: str, docs: Path) -> None:
    """Replace the section between the markers (or append it, under its heading) in ``docs``."""
    replace_block(docs, BEGIN, END, text, heading="## Measured here\n\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pooling", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--max-connections", type=int, default=20)
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--hold", type=float, default=0.5, help="seconds each request's transaction lasts")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--docs", type=Path, default=DOCS, help="where the figures are written")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child()
    outcomes, versions = compare(
        clients=args.clients,
        max_connections=args.max_connections,
        pool_size=args.pool_size,
        hold=args.hold,
        rounds=args.rounds,
    )
    print("\n".join(table(outcomes)))
    if not args.no_write:
        command = ".venv/bin/python -m bench.pooling " + " ".join(
            a for a in (argv if argv is not None else sys.argv[1:]) if a != "--no-write"
        )
        write_section(section(outcomes, versions, args, command.strip()), args.docs)
        print(f"written to {args.docs}")
    return 0


def _child() -> int:
    """The burst: N threads, each with its own Django connection, released together."""
    import django

    django.setup()
    from django.db import OperationalError, connection, transaction

    clients, hold = int(os.environ["POOLING_CLIENTS"]), float(os.environ["POOLING_HOLD"])
    barrier = threading.Barrier(clients)
    results: list[dict[str, object]] = []
    lock = threading.Lock()

    def request() -> None:
        barrier.wait()
        started = time.perf_counter()
        error: str | None = None
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(%s)", [hold])
        except OperationalError as exc:
            # Classified, never printed: a driver's message can quote the host.
            error = "too many clients" if any(text in str(exc) for text in LIMIT_ERRORS) else type(exc).__name__
        except Exception as exc:
            error = type(exc).__name__
        finally:
            connection.close()  # the end of the request, CONN_MAX_AGE=0
        with lock:
            results.append({"error": error, "seconds": time.perf_counter() - started})

    threads = [threading.Thread(target=request) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"results": results, "wall": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
