"""The health endpoint (public: up or down; details: token or staff) and the heartbeat model, on PostgreSQL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import OperationalError, connection
from django.test import Client
from moto import mock_aws

import lambda_bootstrap
from lambda_bootstrap.errors import ConfigurationError
from project.health.models import Heartbeat
from project.health.tasks import record_heartbeat
from project.settings.schema import Keys
from testsupport.leaks import assert_nothing_leaked
from testsupport.stage import seed_stage

pytestmark = pytest.mark.django_db


HEALTH_TOKEN = "health-token-" + "Hq4" * 12
DETAILS = {"stage", "database", "config", "bootstrap"}


@pytest.fixture
def loaded_stage(monkeypatch: pytest.MonkeyPatch, postgres_url: str, settings: Any) -> dict[str, str]:
    """The prod stage loaded by the bootstrap (moto), HEALTH_TOKEN among its values; a heartbeat recorded."""
    assert connection.vendor == "postgresql"  # a precondition: the health checks below query PostgreSQL
    with mock_aws():
        values = seed_stage(
            "coldstart", "prod", postgres_url, {"API_TOKEN": "api-token-secret-value", "HEALTH_TOKEN": HEALTH_TOKEN}
        )
        monkeypatch.setenv("BOOTSTRAP_BUNDLE", "coldstart/prod/config")
        monkeypatch.setenv("BOOTSTRAP_SECRETS", "coldstart/prod/database")
        monkeypatch.setenv("BOOTSTRAP_OVERRIDE", "true")
        lambda_bootstrap.load()
    settings.HEALTH_TOKEN = Keys.HEALTH_TOKEN.read()  # as base.py reads it at import
    record_heartbeat()
    return {**values, "DATABASE_PASSWORD": str(urlsplit(postgres_url).password)}


def assert_public(response: Any, values: dict[str, str], status: str = "up") -> None:
    assert response.json() == {"status": status}
    text = response.content.decode()
    for word in ("coldstart", "prod", "ssm", "secretsmanager", "DATABASE", "TOKEN", "postgresql"):
        assert word not in text
    assert_nothing_leaked(values, text)


def test_in_public_health_says_only_up(client: Client, loaded_stage: dict[str, str]) -> None:
    response = client.get("/health/", secure=True)

    assert response.status_code == 200
    assert_public(response, loaded_stage)


def test_in_public_health_says_only_down_when_the_database_fails(
    client: Client, loaded_stage: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("could not connect to the database: the host in DATABASE_URL does not resolve")

    monkeypatch.setattr(Heartbeat.objects, "only", broken)

    response = client.get("/health/", secure=True)

    assert response.status_code == 503
    assert_public(response, loaded_stage, "down")
    detailed = client.get("/health/", secure=True, headers={"Authorization": f"Bearer {HEALTH_TOKEN}"})
    assert detailed.status_code == 503
    assert detailed.json()["database"] == {"vendor": "postgresql", "ok": False, "error": "OperationalError"}


def test_the_stage_health_token_unlocks_the_detailed_report(client: Client, loaded_stage: dict[str, str]) -> None:
    response = client.get("/health/", secure=True, headers={"Authorization": f"Bearer {HEALTH_TOKEN}"})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "up" and body["stage"] == "test"
    assert body["database"]["ok"] is True and body["database"]["vendor"] == "postgresql"
    assert body["database"]["last_heartbeat"] is not None
    assert body["config"]["secretsmanager:coldstart/prod/config"] == [
        "ALLOWED_HOSTS",
        "API_TOKEN",
        "HEALTH_TOKEN",
        "SECRET_KEY",
    ]
    assert "DATABASE_URL" in body["config"]["secretsmanager:coldstart/prod/database"]
    assert_nothing_leaked(loaded_stage, response.content.decode())


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {HEALTH_TOKEN[:-1]}",
        f"Bearer {HEALTH_TOKEN}x",
        f"Basic {HEALTH_TOKEN}",
        HEALTH_TOKEN,
        "Bearer ",
        "",
    ],
)
def test_a_wrong_token_gets_the_public_answer(client: Client, loaded_stage: dict[str, str], authorization: str) -> None:
    response = client.get("/health/", secure=True, headers={"Authorization": authorization})

    assert response.status_code == 200
    assert_public(response, loaded_stage)


def test_without_a_configured_token_no_token_is_accepted(
    client: Client, loaded_stage: dict[str, str], settings: Any
) -> None:
    settings.HEALTH_TOKEN = ""

    for authorization in ("Bearer ", "Bearer", f"Bearer {HEALTH_TOKEN}"):
        assert_public(client.get("/health/", secure=True, headers={"Authorization": authorization}), loaded_stage)


def test_a_staff_session_sees_the_detailed_report_and_other_users_do_not(
    client: Client, loaded_stage: dict[str, str], django_user_model: Any
) -> None:
    user = django_user_model.objects.create_user("visitor", password="visitor-password-1")
    client.force_login(user)
    assert_public(client.get("/health/", secure=True), loaded_stage)

    user.is_staff = True
    user.save()
    body = client.get("/health/", secure=True).json()
    assert set(body) >= DETAILS


def test_a_short_health_token_stops_start_up_naming_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTH_TOKEN", "short-secret")
    with pytest.raises(ConfigurationError) as raised:
        Keys.HEALTH_TOKEN.read()
    assert str(raised.value) == "HEALTH_TOKEN must be text, at least 32 characters, at least 5 different characters"


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
