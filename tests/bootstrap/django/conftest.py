"""The Django integration's tests run against the throwaway PostgreSQL that bin/test starts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from lambda_bootstrap.schema import DatabaseUrl, Schema

if TYPE_CHECKING:
    from lambda_bootstrap.django.postgresql.base import DatabaseWrapper


@pytest.fixture(scope="session", autouse=True)
def _postgres_is_running(test_database_url: str) -> None:
    """Every test here uses the database: without bin/test's server, fail at once, saying so."""


@pytest.fixture
def open_database(django_db_blocker: Any) -> Iterator[Callable[[dict[str, Any], str], DatabaseWrapper]]:
    """A connection of the rotation-aware backend for a DATABASES entry (closed after the test)."""
    from django.db import connections

    from lambda_bootstrap.django.postgresql.base import DatabaseWrapper

    opened: list[DatabaseWrapper] = []

    def open_entry(entry: dict[str, Any], alias: str) -> DatabaseWrapper:
        opened.append(DatabaseWrapper(connections.configure_settings({"default": entry})["default"], alias=alias))
        return opened[-1]

    with django_db_blocker.unblock():
        yield open_entry
        for wrapper in opened:
            wrapper.close()


class Keys(Schema):
    """The one key these tests read a database from, as a project declares it."""

    DATABASE_URL = DatabaseUrl(schemes=("postgres", "postgresql"))
