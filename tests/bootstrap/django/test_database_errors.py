"""A database connection failure names DATABASE_URL and the failing part, never the host, user or password.

libpq's own messages quote the host (``could not translate host name "..."``),
the port and the user; each is a field of the stage's database secret. The
project's backend replaces them, unchained, so neither the message nor the
traceback Django, Zappa and Lambda print holds any of them.
"""

from __future__ import annotations

import secrets
import traceback
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import OperationalError, connections

from lambda_bootstrap.django.postgresql.base import DatabaseConnectionError, DatabaseWrapper
from testsupport.django_project import lambda_environment, run_manage
from testsupport.leaks import assert_nothing_leaked
from testsupport.stage import seed_stage

ALIAS = "failing"
Connect = Callable[..., BaseException]


@pytest.fixture
def connect_to(monkeypatch: pytest.MonkeyPatch, django_db_blocker: Any) -> Iterator[Connect]:
    """Open a connection through the project's backend to the given parts; returns the error it raised."""
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the backend would take USER/PASSWORD from it
    opened: list[DatabaseWrapper] = []

    def connect(host: str, port: int, user: str, password: str, name: str = "postgres") -> BaseException:
        settings = connections.configure_settings(
            {
                "default": {
                    "ENGINE": "lambda_bootstrap.django.postgresql",
                    "HOST": host,
                    "PORT": port,
                    "USER": user,
                    "PASSWORD": password,
                    "NAME": name,
                    "OPTIONS": {"connect_timeout": 3},
                }
            }
        )
        wrapper = DatabaseWrapper(settings["default"], alias=ALIAS)
        opened.append(wrapper)
        with django_db_blocker.unblock(), pytest.raises(OperationalError) as raised:
            wrapper.ensure_connection()
        return raised.value

    yield connect
    for wrapper in opened:
        wrapper.close()


def everything_printed(error: BaseException) -> str:
    return str(error) + "".join(traceback.format_exception(error))


def test_an_unresolvable_host_is_named_by_its_key(connect_to: Connect) -> None:
    host = f"db-{secrets.token_hex(6)}.invalid"
    password = f"pw-{secrets.token_hex(8)}"

    error = connect_to(host, 5432, "app_user_canary", password)

    assert str(error) == "could not connect to the database: the host in DATABASE_URL does not resolve"
    assert isinstance(error.__cause__, DatabaseConnectionError)
    assert error.__cause__.__cause__ is None and error.__cause__.__suppress_context__
    assert_nothing_leaked({"host": host, "password": password, "user": "app_user_canary"}, everything_printed(error))


def test_a_refused_port_is_named_by_its_key(connect_to: Connect, postgres_url: str) -> None:
    error = connect_to("127.0.0.1", 9, "app_user_canary", "pw-refused-canary")

    assert str(error) == "could not connect to the database: connection refused at DATABASE_URL's host and port"
    assert_nothing_leaked({"user": "app_user_canary", "password": "pw-refused-canary"}, everything_printed(error))
    assert '"127.0.0.1", port 9' not in everything_printed(error)


def test_a_wrong_password_names_the_key_not_the_user(connect_to: Connect, postgres_url: str) -> None:
    server = urlsplit(postgres_url)
    password = f"wrong-{secrets.token_hex(8)}"

    error = connect_to(str(server.hostname), int(server.port or 5432), "postgres", password)

    assert str(error) == "could not connect to the database: password authentication failed for DATABASE_URL's user"
    assert 'user "postgres"' not in everything_printed(error)
    assert_nothing_leaked({"password": password, "port": f"port {server.port}"}, everything_printed(error))


def test_an_unknown_database_is_named_by_its_key(connect_to: Connect, postgres_url: str) -> None:
    server = urlsplit(postgres_url)
    name = f"db_{secrets.token_hex(6)}"

    error = connect_to(str(server.hostname), int(server.port or 5432), "postgres", str(server.password), name)

    assert str(error) == "could not connect to the database: the database named in DATABASE_URL does not exist"
    assert_nothing_leaked({"name": name, "password": str(server.password)}, everything_printed(error))


def test_manage_migrate_with_an_unreachable_host_fails_naming_the_key_only(
    moto_endpoint: str, postgres_url: str
) -> None:
    """The issue's case: ``{"manage": "migrate"}`` on a stage whose database host does not resolve."""
    server = urlsplit(postgres_url)
    host = f"db-{secrets.token_hex(6)}.invalid"
    unreachable = postgres_url.replace(f"@{server.hostname}:", f"@{host}:")
    seed_stage("coldstart", "prod", unreachable)
    env = lambda_environment(moto_endpoint, app="coldstart", stage="prod")

    result = run_manage("migrate", env=env)

    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        "django.db.utils.OperationalError: could not connect to the database: the host in DATABASE_URL does not resolve"
    )
    assert_nothing_leaked({"host": host, "password": str(server.password)}, result.stdout, result.stderr)
