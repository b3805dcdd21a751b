"""The settings module Zappa's handler imports on Lambda.

Importing it is the cold start: the bootstrap fills ``os.environ`` from the
stage's sources (once per container), and only then are the
stage's settings imported, so they read a complete environment. A bootstrap
error propagates: the import fails, Zappa's handler fails, Lambda reports the
invocation as failed and retries the init on the next one. Django never starts
half-configured.
"""

from __future__ import annotations

import importlib
import os

from django.core.exceptions import ImproperlyConfigured

import lambda_bootstrap
from lambda_bootstrap import log_hygiene

from .stages import stage_settings_module

# Before the first AWS call and the first event: no header, body, credential or
# digest in any log line, whatever the stage's log_level (docs/logging.md).
log_hygiene.install()

BOOTSTRAP_REPORT = lambda_bootstrap.load()

if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and not BOOTSTRAP_REPORT.configured:
    raise ImproperlyConfigured(
        "running on Lambda with no configuration source: set BOOTSTRAP_BUNDLE (or BOOTSTRAP_SECRETS, "
        "BOOTSTRAP_SSM_PATH) in the stage's environment_variables (zappa_settings.json)"
    )

# prod runs the prod settings; every other deployed stage (staging, dev, a
# developer's own) runs staging's. dev.py is for a laptop: DEBUG and SQLite.
_stage_settings = importlib.import_module(stage_settings_module())
globals().update({name: value for name, value in vars(_stage_settings).items() if name.isupper()})
