"""Which settings module a deployed stage runs: prod for prod, staging's for every other stage.

Kept apart from aws_lambda.py (whose import is the cold start) so that tests
can ask the question without loading anything. ``DJANGO_STAGE_SETTINGS`` is
reserved (``BOOTSTRAP_RESERVED`` in zappa_settings.json): only the stage's own
declaration may set it, never its bundle, secrets or SSM path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

__all__ = ["LAMBDA_SETTINGS_MODULES", "stage_settings_module"]

LAMBDA_SETTINGS_MODULES = ("project.settings.staging", "project.settings.prod")


def stage_settings_module(environ: Mapping[str, str] | None = None) -> str:
    """The module named by ``DJANGO_STAGE_SETTINGS``, else prod's for stage prod, else staging's.

    dev.py is for a laptop (DEBUG, SQLite, .env) and is never a deployed stage's.
    """
    environ = os.environ if environ is None else environ
    stage = environ.get("STAGE", "").strip()
    default = "project.settings.prod" if stage == "prod" else "project.settings.staging"
    module = environ.get("DJANGO_STAGE_SETTINGS", "").strip() or default
    if module not in LAMBDA_SETTINGS_MODULES:
        raise ImproperlyConfigured(
            f"Lambda stage settings must be project.settings.staging or project.settings.prod, not "
            f"{module!r} (DJANGO_STAGE_SETTINGS, stage {stage or '<unset STAGE>'!r})"
        )
    return module
