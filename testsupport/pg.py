"""A throwaway PostgreSQL cluster and a PgBouncer in front of it (Debian's packages), from Python.

The same recipe as bin/_postgres.sh (initdb and pg_ctl run as the ``postgres``
user when we are root, since initdb refuses root), but with the knobs a
connection-limit experiment needs: a small ``max_connections``, and
PgBouncer in a given pool mode in front. Used by bench/pooling.py and by
tests/project/test_pooling.py. bin/test installs both packages when missing.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "Cluster",
    "PgBouncer",
    "find_pg_bin",
    "find_pgbouncer",
    "pgbouncer",
    "postgres_cluster",
    "scratch_database",
]

SUPERUSER_RESERVED = 3  # PostgreSQL's default superuser_reserved_connections


def find_pg_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding pg_ctl."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: _version(p.parent.parent))
    return candidates[-1].parent if candidates else None


def find_pgbouncer() -> Path | None:
    found = shutil.which("pgbouncer") or next((p for p in ("/usr/sbin/pgbouncer",) if os.path.exists(p)), None)
    return Path(found) if found else None


def _version(folder: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in folder.name.split(".") if part.isdigit())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _give_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
        for child in path.rglob("*"):
            shutil.chown(child, "postgres", "postgres")


@dataclass
class Cluster:
    folder: Path
    port: int
    password: str  # the postgres superuser's
    max_connections: int
    version: str

    def url(self, user: str = "postgres", password: str | None = None, database: str = "postgres") -> str:
        secret = self.password if password is None and user == "postgres" else password
        auth = f"{user}:{secret}" if secret else user
        return f"postgres://{auth}@127.0.0.1:{self.port}/{database}"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def execute(self, *statements: str, database: str = "postgres") -> None:
        """Run statements as the superuser (autocommit: CREATE DATABASE needs it)."""
        import psycopg2

        connection = psycopg2.connect(self.url(database=database))
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            connection.close()

    def add_role(self, name: str, password: str, *, database: str | None = None) -> None:
        """A login role (not a superuser: it gets max_connections minus the reserved slots)."""
        import psycopg2
        from psycopg2 import sql

        connection = psycopg2.connect(self.url())
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(name)), [password])
                if database:
                    cursor.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(name))
                    )
        finally:
            connection.close()


@contextlib.contextmanager
def postgres_cluster(*, max_connections: int = 20, log_connections: bool = False) -> Iterator[Cluster]:
    """A fresh cluster on a free loopback port (scram-sha-256 over TCP), removed afterwards."""
    pg_bin = find_pg_bin()
    if pg_bin is None:
        raise RuntimeError("PostgreSQL's server is not installed: run bin/test, or apt-get install -y postgresql")
    folder = Path(tempfile.mkdtemp(prefix="pooling-pg."))
    password = secrets.token_hex(16)
    (folder / "pwfile").write_text(password + "\n", encoding="utf-8")
    _give_to_postgres(folder)
    port = free_port()
    run = _as_postgres()
    options = [
        f"-k {folder}",
        f"-p {port}",
        "-c listen_addresses=127.0.0.1",
        f"-c max_connections={max_connections}",
        f"-c superuser_reserved_connections={SUPERUSER_RESERVED}",
        "-c timezone=UTC",  # as RDS: Django then sends no SET TIME ZONE (a SET pins an RDS Proxy session)
        "-c fsync=off",
        "-c full_page_writes=off",
        f"-c log_connections={'on' if log_connections else 'off'}",
    ]
    stop = [*run, str(pg_bin / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"]
    try:
        data, log = str(folder / "data"), str(folder / "server.log")
        auth = ["--auth-local=trust", "--auth-host=scram-sha-256"]
        _run([*run, str(pg_bin / "initdb"), "-D", data, "-U", "postgres", f"--pwfile={folder}/pwfile", *auth])
        _run([*run, str(pg_bin / "pg_ctl"), "-D", data, "-l", log, "-w", "-o", " ".join(options), "start"])
        version = _run([str(pg_bin / "postgres"), "--version"]).split()[2]
        yield Cluster(folder, port, password, max_connections, version)
    finally:
        subprocess.run(stop, cwd="/", capture_output=True, check=False, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class PgBouncer:
    port: int
    pool_mode: str
    pool_size: int
    version: str

    def url(self, user: str, password: str, database: str) -> str:
        return f"postgres://{user}:{password}@127.0.0.1:{self.port}/{database}"


@contextlib.contextmanager
def pgbouncer(
    cluster: Cluster,
    *,
    database: str,
    users: dict[str, str],
    pool_mode: str = "transaction",
    pool_size: int = 10,
    max_client_conn: int = 1000,
) -> Iterator[PgBouncer]:
    """PgBouncer on a free loopback port, in ``pool_mode``, for ``database`` of ``cluster``.

    At most ``pool_size`` server connections to the database, however many
    clients connect; clients authenticate with scram-sha-256 against ``users``
    (name -> password), and PgBouncer logs in to PostgreSQL with the same.
    """
    binary = find_pgbouncer()
    if binary is None:
        raise RuntimeError("PgBouncer is not installed: run bin/test, or apt-get install -y pgbouncer")
    folder = cluster.folder / "pgbouncer"
    folder.mkdir()
    port = free_port()
    (folder / "userlist.txt").write_text(
        "".join(f'"{name}" "{password}"\n' for name, password in users.items()), encoding="utf-8"
    )
    (folder / "pgbouncer.ini").write_text(
        "\n".join(
            [
                "[databases]",
                f"{database} = host=127.0.0.1 port={cluster.port} dbname={database}",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {port}",
                f"unix_socket_dir = {folder}",
                "auth_type = scram-sha-256",
                f"auth_file = {folder}/userlist.txt",
                f"pool_mode = {pool_mode}",
                f"default_pool_size = {pool_size}",
                f"max_db_connections = {pool_size}",
                f"max_client_conn = {max_client_conn}",
                f"logfile = {folder}/pgbouncer.log",
                f"pidfile = {folder}/pgbouncer.pid",
                "",
            ]
        ),
        encoding="utf-8",
    )
    _give_to_postgres(folder)
    version = _run([str(binary), "--version"]).split()[1]
    user = ["-u", "postgres"] if os.geteuid() == 0 else []  # PgBouncer refuses to run as root
    stderr = cluster.folder / "pgbouncer.stderr"  # a file, not a pipe: a full pipe would stall PgBouncer
    with stderr.open("wb") as errors:
        process = subprocess.Popen(
            [str(binary), *user, str(folder / "pgbouncer.ini")], cwd="/", stdout=subprocess.DEVNULL, stderr=errors
        )
    try:
        _wait_for_port(port, process, stderr)
        yield PgBouncer(port, pool_mode, pool_size, version)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], stderr: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = stderr.read_text(encoding="utf-8", errors="replace").strip()[-500:]
            raise RuntimeError(f"PgBouncer exited at start ({process.returncode}): {error}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"PgBouncer did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


def _run(command: list[str]) -> str:
    result = subprocess.run(command, cwd="/", capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        program = next((Path(part).name for part in command if "/" in part), command[0])
        raise RuntimeError(f"{program} failed: {(result.stderr or result.stdout)[-800:]}")
    return result.stdout


@contextlib.contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A database of its own in bin/test's throwaway PostgreSQL (TEST_DATABASE_URL): migrations touch no other's."""
    import psycopg2
    import pytest

    admin_url = os.environ.get("TEST_DATABASE_URL")
    if not admin_url:
        pytest.fail("TEST_DATABASE_URL is not set: run the suite with bin/test, which starts a throwaway PostgreSQL")
    name = f"{name}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # pytest-xdist's workers share the server
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {name}")
        yield urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        admin.close()


def record_connections(monkeypatch: Any, field: str) -> list[str]:
    """``field`` (user, password, ...) of every psycopg2 connection attempt from now on, in order."""
    import psycopg2

    seen: list[str] = []
    real_connect = psycopg2.connect

    def recorded(*args: Any, **kwargs: Any) -> Any:
        seen.append(str(kwargs.get(field, "")))
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(psycopg2, "connect", recorded)
    return seen


def current_user(connection: Any) -> str:
    """The role a Django connection is logged in as."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return str(cursor.fetchone()[0])
