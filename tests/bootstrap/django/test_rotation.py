"""A rotated database password does not break a warm container: real PostgreSQL, secret in moto.

Each test makes its own login role with a password (scram-sha-256 over TCP,
as bin/test's cluster is set up), seeds the RDS-style secret for it, loads the
bootstrap, and talks to PostgreSQL through a dedicated connection built with
the project's backend, so pytest-django's test database is never touched.
Rotation is what RDS does: ALTER ROLE ... PASSWORD, then a new secret version.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import psycopg2
import pytest
from django.db import OperationalError
from moto import mock_aws
from psycopg2 import sql

import lambda_bootstrap
from lambda_bootstrap.django import database
from lambda_bootstrap.django.postgresql.base import DatabaseWrapper
from testsupport.leaks import assert_nothing_leaked
from testsupport.pg import current_user, record_connections
from testsupport.secrets import put_current
from testsupport.stage import database_secret

from .conftest import Keys

SECRET_ID = "coldstart/prod/database"
ALIAS = "rotation"


@dataclass
class Role:
    """A PostgreSQL login role whose password the test rotates, as RDS rotation would."""

    name: str
    admin: Any  # a superuser psycopg2 connection, autocommit
    server_url: str
    passwords: list[str] = field(default_factory=list)

    def url(self, password: str) -> str:
        server = urlsplit(self.server_url)
        netloc = f"{self.name}:{password}@{server.hostname}:{server.port}"
        return urlunsplit((server.scheme, netloc, server.path, "", ""))

    def rotate(self) -> str:
        password = new_password("rotated")
        with self.admin.cursor() as cursor:
            cursor.execute(sql.SQL("ALTER ROLE {} PASSWORD %s").format(sql.Identifier(self.name)), [password])
        self.passwords.append(password)
        return password


def new_password(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(12)}"


@pytest.fixture
def role(postgres_url: str) -> Iterator[Role]:
    admin = psycopg2.connect(postgres_url)
    admin.autocommit = True
    role = Role(f"rotation_{secrets.token_hex(4)}", admin, postgres_url, [new_password("first")])
    with admin.cursor() as cursor:
        cursor.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(role.name)), [role.passwords[0]]
        )
    yield role
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [role.name])
        cursor.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role.name)))
    admin.close()


@pytest.fixture
def secrets_manager(role: Role, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The stage's database secret in (in-process) moto; the bootstrap pointed at it alone."""
    for key in [k for k in os.environ if k.startswith("BOOTSTRAP_")]:
        monkeypatch.delenv(key)
    monkeypatch.delenv("DATABASE_URL", raising=False)  # on Lambda only the bootstrap sets it
    monkeypatch.setenv("BOOTSTRAP_SECRETS", SECRET_ID)
    with mock_aws():
        client = boto3.client("secretsmanager")
        client.create_secret(Name=SECRET_ID, SecretString=json.dumps(database_secret(role.url(role.passwords[0]))))
        yield client


def put_secret(client: Any, role: Role, password: str) -> None:
    """A new AWSCURRENT version, as the rotation Lambda writes it (AWSPENDING, then the swap)."""
    put_current(client, SECRET_ID, json.dumps(database_secret(role.url(password))))


@pytest.fixture
def warm_container(secrets_manager: Any, open_database: Any) -> Callable[[], DatabaseWrapper]:
    """Cold start (bootstrap), then a connection like Django's default one, as the role."""

    def start() -> DatabaseWrapper:
        lambda_bootstrap.load()
        return open_database(database(Keys.DATABASE_URL), ALIAS)

    return start


@pytest.fixture
def connect_attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every connection attempt the backend makes, by user name."""
    return record_connections(monkeypatch, "user")


def assert_no_password_in(role: Role, *texts: str) -> None:
    assert_nothing_leaked(role.passwords, *texts)


def test_after_rotation_one_fetch_and_one_retry_reconnect(
    warm_container, role: Role, secrets_manager: Any, aws_calls, connect_attempts: list[str], caplog
) -> None:
    connection = warm_container()
    assert current_user(connection) == role.name
    put_secret(secrets_manager, role, role.rotate())
    connection.close()  # the end of CONN_MAX_AGE, or a new container... here: a warm one
    aws_calls.reset()
    connect_attempts.clear()

    with caplog.at_level(logging.DEBUG):
        assert current_user(connection) == role.name

    assert dict(aws_calls.counts) == {"GetSecretValue": 1}
    assert len(connect_attempts) == 2  # the stale password, then the re-fetched one
    assert "database authentication failed; retrying once" in caplog.text
    assert_no_password_in(role, caplog.text)


def test_when_the_ttl_has_expired_the_new_secret_is_used_without_a_failed_attempt(
    warm_container, role: Role, secrets_manager: Any, aws_calls, connect_attempts: list[str], caplog, monkeypatch
) -> None:
    monkeypatch.setenv("BOOTSTRAP_SECRET_TTL", "0.5")
    connection = warm_container()
    current_user(connection)
    put_secret(secrets_manager, role, role.rotate())
    connection.close()
    time.sleep(0.6)  # past the TTL
    aws_calls.reset()
    connect_attempts.clear()

    with caplog.at_level(logging.DEBUG):
        assert current_user(connection) == role.name

    assert dict(aws_calls.counts) == {"GetSecretValue": 1}
    assert len(connect_attempts) == 1
    assert "authentication failed" not in caplog.text
    assert_no_password_in(role, caplog.text)


def test_reconnecting_within_the_ttl_makes_no_aws_call(
    warm_container, role: Role, aws_calls, connect_attempts: list[str]
) -> None:
    connection = warm_container()
    current_user(connection)
    aws_calls.reset()
    connect_attempts.clear()
    for _ in range(3):
        connection.close()
        assert current_user(connection) == role.name
    assert aws_calls.total == 0
    assert len(connect_attempts) == 3


def test_when_aws_fails_at_ttl_expiry_the_cached_credentials_keep_working(
    warm_container, role: Role, aws_calls, connect_attempts: list[str], caplog, monkeypatch
) -> None:
    monkeypatch.setenv("BOOTSTRAP_SECRET_TTL", "0.5")
    monkeypatch.setenv("BOOTSTRAP_MAX_ATTEMPTS", "2")
    connection = warm_container()
    current_user(connection)
    connection.close()
    time.sleep(0.6)  # past the TTL
    aws_calls.reset()
    connect_attempts.clear()
    aws_calls.fail("GetSecretValue", "InternalServiceError", status=500)

    with caplog.at_level(logging.DEBUG):
        assert current_user(connection) == role.name

    assert dict(aws_calls.counts) == {"GetSecretValue": 2}  # the bounded retries, then the cached copy
    assert len(connect_attempts) == 1
    assert "could not re-fetch the secret behind DATABASE_URL, keeping the cached credentials" in caplog.text
    assert_no_password_in(role, caplog.text)


@pytest.mark.parametrize(
    ("secret_in_aws", "expected_attempts"),
    [("not updated", 1), ("updated, but wrong too", 2)],
)
def test_a_password_still_wrong_after_the_refetch_fails_after_at_most_one_retry(
    warm_container,
    role: Role,
    secrets_manager: Any,
    aws_calls,
    connect_attempts: list[str],
    caplog,
    secret_in_aws: str,
    expected_attempts: int,
) -> None:
    connection = warm_container()
    current_user(connection)
    role.rotate()
    if secret_in_aws != "not updated":
        wrong = new_password("wrong")
        role.passwords.append(wrong)
        put_secret(secrets_manager, role, wrong)
    connection.close()
    aws_calls.reset()
    connect_attempts.clear()

    with caplog.at_level(logging.DEBUG), pytest.raises(OperationalError) as raised:
        current_user(connection)

    assert "password authentication failed" in str(raised.value)
    assert dict(aws_calls.counts) == {"GetSecretValue": 1}  # one re-fetch, no loop
    assert len(connect_attempts) == expected_attempts  # a retry only when the secret changed
    assert_no_password_in(role, str(raised.value), "".join(traceback.format_exception(raised.value)), caplog.text)
