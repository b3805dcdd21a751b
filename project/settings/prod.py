"""Production: no DEBUG, PostgreSQL from DATABASE_URL, HTTPS behind API Gateway.

Every value comes from the environment, which the bootstrap filled from the
stage's sources, read through the schema (schema.py): a missing or malformed
one stops start-up, naming the key and the rule it breaks.
"""

from __future__ import annotations

from lambda_bootstrap.django import database

from .base import *  # noqa: F403
from .schema import Keys

DEBUG = False
SECRET_KEY = Keys.SECRET_KEY.read()
ALLOWED_HOSTS = Keys.ALLOWED_HOSTS.read()

DATABASES = {
    "default": database(
        Keys.DATABASE_URL,
        conn_max_age=Keys.DATABASE_CONN_MAX_AGE.read(),
        # Behind a transaction-pooling proxy (RDS Proxy, PgBouncer) a server-side cursor
        # would outlive the transaction that holds its server connection: docs/database.md.
        transaction_pooling=Keys.DATABASE_TRANSACTION_POOLING.read(),
        # Password-free: each new connection's password is a fresh IAM token (docs/database.md).
        iam_auth=Keys.DATABASE_IAM_AUTH.read(),
    )
}

# API Gateway terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = Keys.SECURE_SSL_REDIRECT.read()
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # API Gateway's own probes, and keep-warm
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = Keys.SECURE_HSTS_SECONDS.read(31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = Keys.CSRF_TRUSTED_ORIGINS.read([f"https://{host.lstrip('.')}" for host in ALLOWED_HOSTS])

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
