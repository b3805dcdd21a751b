"""The template's Django project run in fresh processes, as Lambda or a developer would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["ROOT", "clean_environment", "lambda_environment", "prod_settings_value", "run_manage"]

ROOT = Path(__file__).resolve().parents[1]


def clean_environment(**extra: str) -> dict[str, str]:
    """The environment of a fresh process: fake AWS credentials, none of the test process's config."""
    dropped = {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "STAGE", "PROJECT"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("BOOTSTRAP_")}
    env.update(extra)
    return env


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def lambda_environment(moto_endpoint: str, *, app: str = "coldstart", stage: str = "prod") -> dict[str, str]:
    """A fresh process's environment as Zappa's handler leaves it for ``stage``, before the bootstrap."""
    return clean_environment(
        DJANGO_SETTINGS_MODULE="project.settings.aws_lambda",
        AWS_ENDPOINT_URL=moto_endpoint,
        PROJECT=app,
        STAGE=stage,
        BOOTSTRAP_BUNDLE="config",
        BOOTSTRAP_SECRETS="database",
        BOOTSTRAP_REQUIRED="SECRET_KEY,ALLOWED_HOSTS,DATABASE_URL",
    )


def prod_settings_value(expression: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """Print ``expression`` (of ``settings``) from prod's settings in a fresh interpreter, with no AWS at all."""
    env = clean_environment(
        DJANGO_SETTINGS_MODULE="project.settings.prod",
        SECRET_KEY="test-only-" + "k" * 40,
        ALLOWED_HOSTS="localhost",
        **environment,
    )
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
