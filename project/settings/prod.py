"""Production: no DEBUG, PostgreSQL from DATABASE_URL, HTTPS behind API Gateway.

Every value comes from the environment, which the bootstrap filled from the
stage's SSM path and secrets; a missing one stops start-up naming it.
"""

from __future__ import annotations

from project.db.postgresql.iam import IAM_AUTH_SETTING, check_iam_settings

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS
from .environment import env_bool, env_database, env_int, env_list, require

DEBUG = False
SECRET_KEY = require("SECRET_KEY", min_length=50)  # Django's own floor (security.W009)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", required=True) or ALLOWED_HOSTS

DATABASES = {
    "default": {
        **env_database(
            "DATABASE_URL",
            engines=("django.db.backends.postgresql",),
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        ),
        # A rotated password must not break a warm container: see project/db.
        "ENGINE": "project.db.postgresql",
        # Behind a transaction-pooling proxy (RDS Proxy, PgBouncer) a server-side cursor
        # would outlive the transaction that holds its server connection: docs/database.md.
        "DISABLE_SERVER_SIDE_CURSORS": env_bool("DATABASE_TRANSACTION_POOLING", False),
        # Password-free: each new connection's password is a fresh IAM token (docs/database.md).
        IAM_AUTH_SETTING: env_bool("DATABASE_IAM_AUTH", False),
    }
}
check_iam_settings(DATABASES["default"])  # a stage that cannot sign its tokens stops here, naming the key

# API Gateway terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # API Gateway's own probes, and keep-warm
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"https://{host.lstrip('.')}" for host in ALLOWED_HOSTS])

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
