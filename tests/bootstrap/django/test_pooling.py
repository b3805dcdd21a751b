"""The project's settings behind a transaction pooler: real PostgreSQL and PgBouncer, started here.

The burst past max_connections (bench/pooling.py's comparison) is tested in tests/bench/test_pooling.py.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connections, transaction

from lambda_bootstrap.django import parse_database_url
from lambda_bootstrap.django.postgresql.base import DatabaseWrapper
from testsupport.django_project import prod_settings_value
from testsupport.pg import find_pgbouncer, pgbouncer, postgres_cluster

MAX_CONNECTIONS = 20


@pytest.fixture
def pooled_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """PgBouncer (transaction pooling, 2 server connections) in front of a fresh cluster; DATABASE_URL set to it.

    The database holds contenttypes' table with 5,000 rows: something for QuerySet.iterator() to read.
    """
    if find_pgbouncer() is None:
        pytest.fail("PgBouncer is not installed: run the suite with bin/test, which installs it (apt-get)")
    password = secrets.token_hex(16)
    with postgres_cluster(max_connections=MAX_CONNECTIONS) as cluster:
        cluster.add_role("app", password, database="app")
        cluster.execute(
            "CREATE TABLE django_content_type (id serial PRIMARY KEY, app_label varchar(100), model varchar(100))",
            "INSERT INTO django_content_type (app_label, model) "
            "SELECT 'pooling', 'm' || g FROM generate_series(1, 5000) g",
            "GRANT SELECT ON django_content_type TO app",
            database="app",
        )
        with pgbouncer(cluster, database="app", users={"app": password}, pool_size=2) as bouncer:
            url = bouncer.url("app", password, "app")
            monkeypatch.setenv("DATABASE_URL", url)  # the backend re-reads its credentials from here
            yield url


@contextmanager
def registered(alias: str, *, transaction_pooling: bool) -> Iterator[DatabaseWrapper]:
    """A connection as prod.py configures one (DATABASE_TRANSACTION_POOLING as given), usable by querysets."""
    entry = {
        **parse_database_url(os.environ["DATABASE_URL"], "DATABASE_URL"),
        "ENGINE": "lambda_bootstrap.django.postgresql",
        "DISABLE_SERVER_SIDE_CURSORS": transaction_pooling,
    }
    wrapper = DatabaseWrapper(connections.configure_settings({"default": entry})["default"], alias=alias)
    connections[alias] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        del connections[alias]


@pytest.mark.e2e  # a PostgreSQL cluster and a PgBouncer of its own
@pytest.mark.slow
@pytest.mark.parametrize("transaction_pooling", [False, True])
def test_through_a_transaction_pooler_an_iterator_needs_server_side_cursors_off(
    pooled_url: str, django_db_blocker: Any, transaction_pooling: bool
) -> None:
    """QuerySet.iterator() reads through a server-side cursor unless DISABLE_SERVER_SIDE_CURSORS is set.

    In autocommit the cursor is DECLAREd WITH HOLD in one transaction and
    FETCHed in later ones; PgBouncer may run those on another server connection
    (here: another request's transaction holds the first), where the cursor
    does not exist. RDS Proxy instead pins the session: no error, no pooling.
    """
    with (
        django_db_blocker.unblock(),
        registered("reader", transaction_pooling=transaction_pooling),
        registered("other", transaction_pooling=transaction_pooling) as other,
    ):
        rows = ContentType.objects.using("reader").order_by().values_list("model", flat=True).iterator(chunk_size=10)
        first = next(rows)
        with transaction.atomic(using="other"), other.cursor() as busy:
            busy.execute("SELECT 1")  # takes the idle server connection the cursor lives on
            if transaction_pooling:
                assert len([first, *rows]) == 5000
            else:
                # Django's wrapped error, or psycopg2's own when closing the lost cursor fails too.
                with pytest.raises((DatabaseError, psycopg2.Error), match=r'cursor "_django_curs_\S+" does not exist'):
                    list(rows)


@pytest.mark.e2e  # fresh interpreters
def test_one_environment_key_switches_the_prod_settings_to_transaction_pooling() -> None:
    for value, expected in (("true", "True"), ("", "False")):
        done = prod_settings_value(
            "settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS']",
            DATABASE_URL="postgres://app@127.0.0.1:6432/app",
            DATABASE_TRANSACTION_POOLING=value,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == expected
