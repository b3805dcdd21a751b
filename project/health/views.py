"""GET /health/: the stage, whether the database answers, and config key names by source."""

from __future__ import annotations

import os

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

import lambda_bootstrap

from .models import Heartbeat


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    report = lambda_bootstrap.current_report()
    database: dict[str, object] = {"vendor": connection.vendor}
    try:
        last = Heartbeat.objects.only("created_at").first()
        database.update(ok=True, last_heartbeat=last.created_at.isoformat() if last else None)
    except DatabaseError as exc:
        database.update(ok=False, error=type(exc).__name__)  # the class only: messages can hold DSNs
    body = {
        "stage": os.environ.get("STAGE", "local"),
        "database": database,
        "config": report.keys_by_source() if report else {},
        "bootstrap": {"aws_calls": report.aws_calls, "retries": report.retries, "ms": round(report.seconds * 1000)}
        if report
        else None,
    }
    return JsonResponse(body, status=200 if database["ok"] else 503)
