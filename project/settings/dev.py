"""Local development: DEBUG, SQLite, values from ``.env``; never touches AWS."""

from __future__ import annotations

from pathlib import Path

from lambda_bootstrap.django import database, read_dotenv

# .env fills os.environ first (without overriding what the shell set), read by
# the same strict reader as `lambda-bootstrap push`; the settings below then read
# os.environ like every other stage, by the schema's "local" rules.
read_dotenv(Path(__file__).resolve().parent.parent.parent / ".env")

from .base import *  # noqa: E402, F403
from .base import BASE_DIR  # noqa: E402
from .schema import Keys  # noqa: E402

DEBUG = Keys.DJANGO_DEBUG.read()
SECRET_KEY = Keys.SECRET_KEY.read("django-insecure-local-development-only")
ALLOWED_HOSTS = Keys.ALLOWED_HOSTS.read(["localhost", "127.0.0.1", "[::1]"])
DATABASES = {
    "default": database(
        Keys.DATABASE_URL,
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=Keys.DATABASE_CONN_MAX_AGE.read(),
        # A local PgBouncer in transaction mode, as in front of staging: docs/database.md.
        transaction_pooling=Keys.DATABASE_TRANSACTION_POOLING.read(),
    )
}
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
