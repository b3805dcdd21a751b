"""Staging: prod's settings, with a short HSTS so a mistake here is not pinned for a year."""

from __future__ import annotations

from .prod import *  # noqa: F403
from .schema import Keys

SECURE_HSTS_SECONDS = Keys.SECURE_HSTS_SECONDS.read(3600)
SECURE_HSTS_PRELOAD = False
