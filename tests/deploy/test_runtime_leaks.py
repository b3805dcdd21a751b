"""Nothing secret in what a deployed container writes or answers, under AWS's own runtime client.

The packaged prod zip runs under ``python -m awslambdaric handler.lambda_handler``
against the Runtime API stand-in (runtime_api.py), with canary credentials
(AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), canary configuration values in
moto's server (SECRET_KEY, API_TOKEN, HEALTH_TOKEN, and the database password),
and requests carrying canary Authorization, Cookie and X-Api-Key headers, a
canary query string and a canary body. Three containers: a healthy cold start
(requests, then a ``manage`` event), one failing its init (a required key
missing), one with an unreachable database host (requests, then ``manage
migrate``); each once at the stage's configured log level (prod: INFO) and
once with Zappa's ``log_level: DEBUG`` and ``debug: true`` forced. Everything
the process wrote and everything it posted to the Runtime API is scanned for
every canary in every form testsupport/leaks.py knows (plain, URL-escaped,
lower-cased, base64, SHA-256).
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from tests.deploy.conftest import APP, STAGE
from tests.deploy.ric_container import RicRun, debug_forced_task_root, run_under_ric
from testsupport import leaks
from testsupport.lambda_events import API_HOST, api_gateway_event, manage_event
from testsupport.lambda_runtime import LambdaFunction
from testsupport.leaks import canary
from testsupport.moto_server import reset_moto
from testsupport.secrets import put_current
from testsupport.stage import database_secret, seed_stage, update_bundle

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.usefixtures("migrated_prod")]

LEVELS = ("configured", "debug-forced")


@dataclass(frozen=True)
class Canaries:
    credentials: dict[str, str]  # the process environment's
    configuration: dict[str, str]  # values in moto: SSM parameters and the database secret
    request: dict[str, str]  # what callers send

    def all(self) -> dict[str, str]:
        return {**self.credentials, **self.configuration, **self.request}


@pytest.fixture(scope="module")
def functions(prod_function: LambdaFunction, deploy_workspace: Path) -> dict[str, LambdaFunction]:
    """prod as packaged, and the same zip with DEBUG forced (Zappa's log_level and debug, Django's level)."""
    forced_root = debug_forced_task_root(prod_function.task_root, deploy_workspace / "task-debug")
    forced = dataclasses.replace(
        prod_function, task_root=forced_root, variables={**prod_function.variables, "AWS_LAMBDA_LOG_LEVEL": "DEBUG"}
    )
    return {"configured": prod_function, "debug-forced": forced}


@pytest.fixture
def canaries(e2e_database_url: str) -> Canaries:
    return Canaries(
        credentials={"AWS_SECRET_ACCESS_KEY": canary("secret-key"), "AWS_SESSION_TOKEN": canary("session-token")},
        configuration={
            "SECRET_KEY": canary("django-secret-key") + canary("more"),
            "API_TOKEN": canary("api-token"),
            "HEALTH_TOKEN": canary("health-token"),
            "database password": str(urlsplit(e2e_database_url).password),
        },
        request={
            "Authorization header": canary("bearer"),
            "Cookie header": canary("session-cookie"),
            "X-Api-Key header": canary("api-key"),
            "query string": canary("query"),
            "body": canary("body"),
        },
    )


@pytest.fixture
def stage(moto_server: str, e2e_database_url: str, canaries: Canaries) -> Iterator[str]:
    """prod seeded as an operator does (testsupport/stage.py), its values the canaries; yields moto's endpoint."""
    reset_moto(moto_server)
    values = {key: canaries.configuration[key] for key in ("SECRET_KEY", "API_TOKEN", "HEALTH_TOKEN")}
    seed_stage(APP, STAGE, e2e_database_url, {"ALLOWED_HOSTS": API_HOST, **values}, moto_server)
    yield moto_server
    reset_moto(moto_server)


def requests(canaries: Canaries) -> list[dict[str, Any]]:
    """A GET and a POST carrying every request canary, then the detailed /health/ with the stage's token."""
    headers = {
        "Authorization": f"Bearer {canaries.request['Authorization header']}",
        "Cookie": f"sessionid={canaries.request['Cookie header']}; csrftoken={canaries.request['Cookie header']}",
        "X-Api-Key": canaries.request["X-Api-Key header"],
    }
    query = {"token": canaries.request["query string"]}
    return [
        api_gateway_event("GET", "/health/", stage=STAGE, headers=headers, query=query),
        api_gateway_event("POST", "/health/", stage=STAGE, headers=headers, query=query, body=canaries.request["body"]),
        api_gateway_event(
            "GET",
            "/health/",
            stage=STAGE,
            headers={"Authorization": f"Bearer {canaries.configuration['HEALTH_TOKEN']}"},
        ),
    ]


def start(function: LambdaFunction, events: list[dict[str, Any]], endpoint: str, canaries: Canaries) -> RicRun:
    debug = {"DJANGO_LOG_LEVEL": "DEBUG"} if function.variables.get("AWS_LAMBDA_LOG_LEVEL") == "DEBUG" else {}
    return run_under_ric(function, events, endpoint=endpoint, environment={**canaries.credentials, **debug})


def assert_nothing_leaked(run: RicRun, canaries: Canaries, **more: str) -> None:
    leaks.assert_nothing_leaked({**canaries.all(), **more}, **run.everything())


def assert_level(run: RicRun, level: str) -> None:
    # Formats: Zappa's basicConfig ("DEBUG:name:"), awslambdaric's ("[DEBUG]"), the project's LOGGING ("DEBUG name")
    debug_lines = [line for line in run.output.splitlines() if line.startswith(("DEBUG:", "[DEBUG]", "DEBUG "))]
    if level == "configured":
        assert not debug_lines, "prod logs at INFO: no DEBUG record"
    else:
        assert debug_lines, "DEBUG was forced: DEBUG records expected"
        assert "Zappa Event: {" in run.output  # Zappa logged the events, and (scan) redacted


def response(run: RicRun, index: int) -> dict[str, object]:
    posted = run.outcome(index)
    assert posted is not None and posted.kind == "response", run.output
    answer: dict[str, object] = posted.json()
    return answer


@pytest.mark.parametrize("level", LEVELS)
def test_a_healthy_cold_start_requests_and_manage_leak_nothing(
    level: str, functions: dict[str, LambdaFunction], stage: str, canaries: Canaries
) -> None:
    events = [*requests(canaries), manage_event("migrate")]

    run = start(functions[level], events, stage, canaries)

    assert run.init_error is None, run.output
    assert run.returncode is None  # alive, waiting for the next event
    public, post, detailed, manage = (response(run, index) for index in range(4))
    assert (public["statusCode"], json.loads(str(public["body"]))) == (200, {"status": "up"})
    assert post["statusCode"] == 403  # CSRF refuses the POST before the view's 405
    assert detailed["statusCode"] == 200 and "config" in json.loads(str(detailed["body"]))
    assert manage == {}
    assert "No migrations to apply." in run.output
    assert_level(run, level)
    assert_nothing_leaked(run, canaries)


@pytest.mark.parametrize("level", LEVELS)
def test_a_cold_start_missing_a_key_reports_it_and_leaks_nothing(
    level: str, functions: dict[str, LambdaFunction], stage: str, canaries: Canaries
) -> None:
    update_bundle(APP, STAGE, {"ALLOWED_HOSTS": None}, endpoint=stage)

    run = start(functions[level], requests(canaries), stage, canaries)

    assert run.init_error is not None, run.output
    assert run.init_error["errorType"] == "ConfigurationError"
    assert run.init_error["errorMessage"].startswith("required configuration missing or blank: ALLOWED_HOSTS")
    assert run.init_error["stackTrace"]
    assert run.request_ids == [] and run.returncode not in (None, 0)
    assert_nothing_leaked(run, canaries)


@pytest.mark.parametrize("level", LEVELS)
def test_an_unreachable_database_is_named_by_its_key_and_leaks_nothing(
    level: str,
    functions: dict[str, LambdaFunction],
    stage: str,
    canaries: Canaries,
    e2e_database_url: str,
) -> None:
    host = f"db-{secrets.token_hex(6)}.invalid"
    server = urlsplit(e2e_database_url)
    unreachable = e2e_database_url.replace(f"@{server.hostname}:", f"@{host}:")
    put_current(
        boto3.client("secretsmanager", endpoint_url=stage),
        f"{APP}/{STAGE}/database",
        json.dumps(database_secret(unreachable)),
    )

    run = start(functions[level], [*requests(canaries), manage_event("migrate")], stage, canaries)

    assert run.init_error is None, run.output  # Django connects on first use, not at import
    public, _, detailed = (response(run, index) for index in range(3))
    assert (public["statusCode"], json.loads(str(public["body"]))) == (503, {"status": "down"})
    assert json.loads(str(detailed["body"]))["database"] == {
        "vendor": "postgresql",
        "ok": False,
        "error": "OperationalError",
    }
    failed = run.outcome(3)
    assert failed is not None and failed.kind == "error", run.output
    assert failed.json()["errorMessage"] == (
        "could not connect to the database: the host in DATABASE_URL does not resolve"
    )
    assert_level(run, level)
    assert_nothing_leaked(run, canaries, **{"database host": host})
