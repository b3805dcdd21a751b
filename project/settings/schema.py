"""The keys this project's settings read, declared once: type, rules, and what a developer's machine may skip.

The operator tool validates a stage's values against this before writing them
(``lambda-bootstrap push``) and in ``lambda-bootstrap check``, which find it
through zappa_settings.json (``"lambda_bootstrap": {"schema": ...}``). It imports
nothing but the bootstrap's schema types, so the tool can load it without Django.
"""

from __future__ import annotations

from lambda_bootstrap.schema import Boolean, Choice, DatabaseUrl, Integer, List, Schema, Text

__all__ = ["Keys"]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Keys(Schema):
    # Django's own floor for a secret key (security.W009): 50 characters, 5 of them different.
    # No two stages share one: a key leaked from staging must not sign prod's sessions.
    SECRET_KEY = Text(required=True, min_length=50, min_distinct=5, unique=True, stages={"local": Text()})
    ALLOWED_HOSTS = List(required=True, stages={"local": List()})
    DATABASE_URL = DatabaseUrl(
        required=True, schemes=("postgres", "postgresql"), stages={"local": DatabaseUrl(schemes=())}
    )
    DATABASE_CONN_MAX_AGE = Integer(minimum=0, default=0)  # seconds
    DATABASE_TRANSACTION_POOLING = Boolean(default=False)  # behind RDS Proxy or PgBouncer
    DATABASE_IAM_AUTH = Boolean(default=False)  # no password: an IAM token per connection
    # Unlocks /health/'s detailed report; unset: staff sessions only.
    HEALTH_TOKEN = Text(min_length=32, min_distinct=5, unique=True, default="")
    DJANGO_LOG_LEVEL = Choice(*LOG_LEVELS, default="INFO")
    SECURE_SSL_REDIRECT = Boolean(default=True)
    SECURE_HSTS_SECONDS = Integer(minimum=0)
    CSRF_TRUSTED_ORIGINS = List()
    DJANGO_DEBUG = Boolean(default=False, stages={"local": Boolean(default=True)})
