"""The health endpoint and the heartbeat model, against the real PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from moto import mock_aws

import lambda_bootstrap
from project.health.models import Heartbeat
from project.health.tasks import record_heartbeat
from tests.stage import seed_stage

pytestmark = pytest.mark.django_db


def test_runs_on_postgresql() -> None:
    assert connection.vendor == "postgresql"


def test_health_reports_stage_database_and_config_names(
    client: Client, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    with mock_aws():
        values = seed_stage("coldstart", "prod", postgres_url, {"API_TOKEN": "api-token-secret-value"})
        monkeypatch.setenv("BOOTSTRAP_BUNDLE", "coldstart/prod/config")
        monkeypatch.setenv("BOOTSTRAP_SECRETS", "coldstart/prod/database")
        monkeypatch.setenv("BOOTSTRAP_OVERRIDE", "true")
        lambda_bootstrap.load()
    record_heartbeat()

    response = client.get("/health/", secure=True)

    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True and body["database"]["vendor"] == "postgresql"
    assert body["database"]["last_heartbeat"] is not None
    assert body["config"]["secretsmanager:coldstart/prod/config"] == ["ALLOWED_HOSTS", "API_TOKEN", "SECRET_KEY"]
    assert "DATABASE_URL" in body["config"]["secretsmanager:coldstart/prod/database"]
    text = response.content.decode()
    for value in [*values.values(), postgres_url.split("@")[0]]:
        assert value not in text


def test_heartbeat_round_trip() -> None:
    first = record_heartbeat()["heartbeat"]
    second = record_heartbeat()["heartbeat"]
    assert list(Heartbeat.objects.values_list("pk", flat=True)) == [second, first]


def test_plain_http_is_redirected_and_security_headers_are_set(client: Client) -> None:
    assert client.get("/health/").status_code == 200  # exempt: API Gateway's probes
    response = client.get("/nothing/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    secure = client.get("/health/", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    assert secure["X-Content-Type-Options"] == "nosniff"
    assert secure["X-Frame-Options"] == "DENY"
