"""The backend with DATABASE_IAM_AUTH: each new connection's password is an IAM token, proven against PostgreSQL.

No RDS here, so the test PostgreSQL plays one: a role whose (scram) password is
exactly the token boto3 signs for the stage's host, port, user and region at a
frozen signing time. A login succeeds only if that token reached PostgreSQL as
the password. The stage's host is an RDS endpoint name; libpq's ``hostaddr``
(a real connection option, in DATABASE_URL's query) sends the connection to
the loopback server without DNS, so no test-only escape exists in the code.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import psycopg2
import pytest
from django.db import OperationalError
from psycopg2 import sql

from lambda_bootstrap import rds_auth
from lambda_bootstrap.django import BACKEND, database, parse_database_url
from lambda_bootstrap.django.postgresql.iam import check_iam_settings
from lambda_bootstrap.errors import ConfigurationError
from testsupport.clocks import SigningClocks
from testsupport.django_project import prod_settings_value
from testsupport.leaks import assert_nothing_leaked
from testsupport.pg import current_user, record_connections

from .conftest import Keys

HOST = "shop-db.c9akciq32xyz.us-east-1.rds.amazonaws.com"


class IamRole:
    """A login role on the test server whose password is set to the token expected at a given time."""

    def __init__(self, admin: Any, name: str, port: int) -> None:
        self.admin, self.name, self.port = admin, name, port
        self.tokens: list[str] = []

    def accept_token_signed_now(self) -> str:
        # Signed by boto3 directly, not by the code under test.
        token = boto3.client("rds", region_name="us-east-1").generate_db_auth_token(HOST, self.port, self.name)
        with self.admin.cursor() as cursor:
            cursor.execute(sql.SQL("ALTER ROLE {} PASSWORD %s").format(sql.Identifier(self.name)), [token])
        self.tokens.append(token)
        return token


@pytest.fixture
def iam_role(postgres_url: str, clocks: SigningClocks) -> Iterator[IamRole]:
    admin = psycopg2.connect(postgres_url)
    admin.autocommit = True
    role = IamRole(admin, f"iam_{secrets.token_hex(4)}", int(urlsplit(postgres_url).port or 5432))
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role.name)))
    yield role
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [role.name])
        cursor.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role.name)))
    admin.close()


@pytest.fixture
def stage(iam_role: IamRole, monkeypatch: pytest.MonkeyPatch, open_database: Any) -> Callable[[], Any]:
    """The stage's environment (no password in DATABASE_URL) and a connection built as prod.py builds it."""
    url = f"postgres://{iam_role.name}@{HOST}:{iam_role.port}/postgres?hostaddr=127.0.0.1&sslmode=disable"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATABASE_IAM_AUTH", "true")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    return lambda: open_database(database(Keys.DATABASE_URL, iam_auth=True), "iam")


@pytest.fixture
def passwords(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The password of every connection attempt."""
    return record_connections(monkeypatch, "password")


def test_the_token_reaches_postgresql_as_the_password(
    stage, iam_role: IamRole, passwords: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    token = iam_role.accept_token_signed_now()

    with caplog.at_level(logging.DEBUG):
        connection = stage()
        assert current_user(connection) == iam_role.name

    assert passwords == [token]
    assert_nothing_leaked({"token": token, "its signature": token.rsplit("=", 1)[-1]}, caplog.text)


def test_a_connection_opened_after_the_reuse_window_presents_a_fresh_token(
    stage, iam_role: IamRole, clocks: SigningClocks, passwords: list[str]
) -> None:
    first = iam_role.accept_token_signed_now()
    connection = stage()
    current_user(connection)

    clocks.at(rds_auth.TOKEN_REUSE - 1)  # a new connection inside the window: the same token
    connection.close()
    current_user(connection)

    clocks.at(rds_auth.TOKEN_REUSE + 1)  # past it: a freshly signed one, which the server now expects
    fresh = iam_role.accept_token_signed_now()
    connection.close()
    assert current_user(connection) == iam_role.name

    assert fresh != first
    assert passwords == [first, first, fresh]


def test_a_stale_token_is_refused_by_the_server_so_the_check_above_is_real(
    stage, iam_role: IamRole, clocks: SigningClocks
) -> None:
    iam_role.accept_token_signed_now()
    clocks.at(rds_auth.TOKEN_REUSE + 1)  # the backend will sign a new token the role does not accept
    with pytest.raises(OperationalError, match="password authentication failed"):
        current_user(stage())


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"AWS_REGION": ""}, ["DATABASE_IAM_AUTH", "AWS_REGION"]),
        ({"host": "db.internal.example"}, ["DATABASE_IAM_AUTH", "DATABASE_URL's host"]),
        ({"password": "Stored-Pa55word"}, ["DATABASE_IAM_AUTH", "DATABASE_URL carries a password"]),
    ],
)
def test_bad_iam_settings_stop_the_settings_and_the_backend_naming_the_key(
    iam_role: IamRole, monkeypatch: pytest.MonkeyPatch, change: dict[str, str], names: list[str], open_database: Any
) -> None:
    host = change.get("host", HOST)
    auth = f"{iam_role.name}:{change['password']}" if "password" in change else iam_role.name
    monkeypatch.setenv("DATABASE_URL", f"postgres://{auth}@{host}:{iam_role.port}/postgres?hostaddr=127.0.0.1")
    monkeypatch.setenv("AWS_REGION", change.get("AWS_REGION", "us-east-1"))
    with pytest.raises(ConfigurationError) as at_settings:
        database(Keys.DATABASE_URL, iam_auth=True)  # as the settings build it, at import
    entry = {**parse_database_url(os.environ["DATABASE_URL"], "DATABASE_URL"), "ENGINE": BACKEND, "IAM_AUTH": True}
    with pytest.raises(ConfigurationError) as at_connect:
        open_database(entry, "iam").ensure_connection()  # the backend checks again at each new connection

    for raised in (at_settings, at_connect):
        message = str(raised.value)
        for name in names:
            assert name in message
        for value in (host, iam_role.name, "Stored-Pa55word"):
            assert value not in message


def test_without_iam_auth_nothing_changes(iam_role: IamRole) -> None:
    check_iam_settings({"HOST": "127.0.0.1", "PASSWORD": "x", "IAM_AUTH": False})


def prod_settings(**environment: str) -> subprocess.CompletedProcess[str]:
    return prod_settings_value("settings.DATABASES['default']['IAM_AUTH']", **environment)


@pytest.mark.e2e  # a fresh interpreter
def test_one_environment_key_switches_the_prod_settings_to_iam_auth_and_a_wrong_stage_stops_at_import() -> None:
    on = prod_settings(DATABASE_URL=f"postgres://app_user@{HOST}:5432/shop", DATABASE_IAM_AUTH="true")
    assert on.returncode == 0, on.stderr
    assert on.stdout.strip() == "True"

    off = prod_settings(DATABASE_URL="postgres://app:pw@db.internal.example:5432/shop")
    assert off.stdout.strip() == "False", off.stderr

    wrong = prod_settings(DATABASE_URL="postgres://app_user@db.internal.example:5432/shop", DATABASE_IAM_AUTH="yes")
    assert wrong.returncode != 0
    assert "ConfigurationError: DATABASE_IAM_AUTH is on but DATABASE_URL's host is not an RDS" in wrong.stderr
    assert "db.internal.example" not in wrong.stderr and "app_user" not in wrong.stderr
