"""Scheduled functions Zappa calls by dotted path (``events`` in zappa_settings.json).

They run in the same container as the web handler, after the same cold start:
the bootstrap has loaded the stage's configuration before Django got here.
"""

from __future__ import annotations

import os
from typing import Any

from .models import Heartbeat


def record_heartbeat(event: dict[str, Any] | None = None, context: Any = None) -> dict[str, Any]:
    beat = Heartbeat.objects.create(stage=os.environ.get("STAGE", "local"))
    return {"heartbeat": beat.pk}
