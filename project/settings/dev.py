"""Local development: DEBUG, SQLite, values from ``.env``; never touches AWS."""

from __future__ import annotations

import os
from pathlib import Path

from lambda_bootstrap.cli.dotenv import load_dotenv_file

# .env fills os.environ first (without overriding what the shell set), read by
# the same strict reader as ``python -m lambda_bootstrap push``; the settings
# below then read os.environ like every other stage.
load_dotenv_file(Path(__file__).resolve().parent.parent.parent / ".env", os.environ)

from .base import *  # noqa: E402, F403
from .base import BASE_DIR  # noqa: E402
from .environment import env_bool, env_database, env_int, env_list, env_str  # noqa: E402

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-local-development-only")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
DATABASES = {
    "default": env_database(
        "DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
# A local PgBouncer in transaction mode, as in front of staging: docs/database.md.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_TRANSACTION_POOLING", False)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
