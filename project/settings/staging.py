"""Staging: prod's settings, with a short HSTS so a mistake here is not pinned for a year."""

from __future__ import annotations

from .environment import env_int
from .prod import *  # noqa: F403

SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 3600)
SECURE_HSTS_PRELOAD = False
