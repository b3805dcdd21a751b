"""Project tests run against the throwaway PostgreSQL that bin/test starts."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _postgres_is_running(test_database_url: str) -> None:
    """Every test here uses the database: without bin/test's server, fail at once, saying so."""
