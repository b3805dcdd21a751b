"""What every stage shares. Reads the environment only; holds no secret."""

from __future__ import annotations

from pathlib import Path

from .schema import Keys

BASE_DIR = Path(__file__).resolve().parent.parent.parent

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "project.health",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files: WhiteNoise serves them straight from the apps' static folders
# (its finders mode). They are in the zip Zappa uploads, so no collectstatic
# step and no S3 bucket are needed.
STATIC_URL = "static/"
WHITENOISE_USE_FINDERS = True

# The bearer token that unlocks /health/'s detailed report (project/health/views.py);
# a value of the stage's configuration like any other. Unset: staff sessions only.
HEALTH_TOKEN = Keys.HEALTH_TOKEN.read()

LOG_LEVEL = Keys.DJANGO_LOG_LEVEL.read()

# One stream handler: Lambda sends stdout/stderr to CloudWatch as they are.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "lambda_bootstrap": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "project": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
