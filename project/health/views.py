"""GET /health/: up or down for anyone; the detailed report for an authenticated caller only.

In public the answer is ``{"status": "up"}`` (200) or ``{"status": "down"}``
(503): nothing about the stage, its configuration keys or where they come
from, which would be a map of what to look for. The detailed report (stage,
database, configuration key names by source, bootstrap figures) is for:

- a caller sending ``Authorization: Bearer <HEALTH_TOKEN>``, the token being a
  value of the stage's own configuration (its SSM path or secret), compared in
  constant time; with no HEALTH_TOKEN configured no token is accepted;
- a staff user's session (``is_staff``).

A wrong or missing token gets the public answer, not an error: the endpoint
stays a probe for API Gateway and load balancers. docs/logging.md has more.
"""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

import lambda_bootstrap

from .models import Heartbeat

__all__ = ["health", "may_see_details"]

_BEARER = "bearer "


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    database = _database()
    status = 200 if database["ok"] else 503
    if not may_see_details(request):
        return JsonResponse({"status": "up" if database["ok"] else "down"}, status=status)
    report = lambda_bootstrap.current_report()
    body = {
        "status": "up" if database["ok"] else "down",
        "stage": os.environ.get("STAGE", "local"),
        "database": database,
        "config": report.keys_by_source() if report else {},
        "bootstrap": {"aws_calls": report.aws_calls, "retries": report.retries, "ms": round(report.seconds * 1000)}
        if report
        else None,
    }
    return JsonResponse(body, status=status)


def may_see_details(request: HttpRequest) -> bool:
    """A staff session, or the stage's HEALTH_TOKEN as a bearer token (constant-time comparison)."""
    try:
        user = getattr(request, "user", None)  # lazy: reading it looks the session up in the database
        if user is not None and user.is_authenticated and user.is_staff:
            return True
    except DatabaseError:  # database down: no session can be checked; the token still works
        pass
    expected: str = getattr(settings, "HEALTH_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if not expected or given[: len(_BEARER)].lower() != _BEARER:
        return False
    return hmac.compare_digest(given[len(_BEARER) :].strip().encode(), expected.encode())


def _database() -> dict[str, object]:
    database: dict[str, object] = {"vendor": connection.vendor}
    try:
        last = Heartbeat.objects.only("created_at").first()
        database.update(ok=True, last_heartbeat=last.created_at.isoformat() if last else None)
    except DatabaseError as exc:
        database.update(ok=False, error=type(exc).__name__)  # the class only: messages can hold DSNs
    return database
