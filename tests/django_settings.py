"""Settings for the in-process Django tests: the real prod settings, fed test values.

pytest-django imports this before any conftest runs, so the values are put into
os.environ here, as the bootstrap would on Lambda; the prod module then reads
them exactly as it does in production. DATABASE_URL points at the throwaway
PostgreSQL that bin/test starts (never SQLite, never a mock).
"""

import os

# Without bin/test's server (e.g. `pytest tests/bootstrap` alone) the URL points
# nowhere: the settings still import, and database tests fail in
# tests/project/conftest.py with a message saying to run bin/test.
UNREACHABLE_DATABASE = "postgres://nobody@127.0.0.1:9/not_started"

os.environ.update(
    {
        "SECRET_KEY": "test-only-" + "k" * 30 + "abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "testserver,localhost",
        "DATABASE_URL": os.environ.get("TEST_DATABASE_URL") or UNREACHABLE_DATABASE,
        "STAGE": "test",
    }
)

from project.settings.prod import *  # noqa: E402, F403
