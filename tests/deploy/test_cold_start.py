"""Cold starts as Lambda does them: Zappa's handler from the package, one fresh process per container.

Each container imports the zip's ``handler.py`` with the function's
environment (INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT from
``aws_environment_variables``), so the bootstrap runs in the init phase against
moto's server, and Django talks to the real PostgreSQL through the
DATABASE_URL built from the RDS-style secret.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.deploy.conftest import API_TOKEN, APP, EXPECTED_BOOTSTRAP_CALLS, HEALTH_TOKEN, STAGE, SeededStage
from testsupport.lambda_events import api_gateway_event, keep_warm_event, scheduled_event
from testsupport.lambda_runtime import ContainerRun, LambdaFunction
from testsupport.leaks import assert_nothing_leaked
from testsupport.stage import update_bundle

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.usefixtures("migrated_prod")]

HEARTBEAT_RULE = f"{APP}-{STAGE}-project.health.tasks.record_heartbeat"


def health_request() -> dict[str, object]:
    """GET /health/ with the stage's token: the detailed report (the public answer is up/down only)."""
    return api_gateway_event("GET", "/health/", stage=STAGE, headers={"Authorization": f"Bearer {HEALTH_TOKEN}"})


def assert_no_secret_leaked(run: ContainerRun, stage: SeededStage) -> None:
    """Nothing seeded that is secret reaches the logs, a response or an error."""
    text = run.output + json.dumps([dataclasses.asdict(i) for i in run.invocations]) + json.dumps(run.init_error)
    assert_nothing_leaked(stage.secret_values, text)


def test_manage_event_migrates_through_the_bootstrap(migrated_prod: ContainerRun) -> None:
    assert migrated_prod.init_error is None
    assert migrated_prod.init_calls == EXPECTED_BOOTSTRAP_CALLS
    [migrate] = migrated_prod.invocations
    assert (migrate.error, migrate.response, migrate.calls) == (None, {}, {})
    assert "Applying health.0001_initial... OK" in migrated_prod.output


def test_first_event_bootstraps_once_and_later_events_make_no_aws_call(
    prod_function: LambdaFunction, prod_stage: SeededStage
) -> None:
    run = prod_function.cold_start([health_request(), health_request(), health_request()], endpoint=prod_stage.endpoint)

    assert run.init_error is None, run.output
    assert run.init_calls == EXPECTED_BOOTSTRAP_CALLS  # the init phase: one load, one call per source
    assert [invocation.calls for invocation in run.invocations] == [{}, {}, {}]
    for invocation in run.invocations:
        assert invocation.error is None
        assert invocation.response["statusCode"] == 200
    response = run.invocations[0].response
    assert response["headers"]["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    body = json.loads(response["body"])
    assert body["stage"] == STAGE
    assert body["database"]["ok"] is True and body["database"]["vendor"] == "postgresql"
    assert body["config"] == {
        f"secretsmanager:{APP}/{STAGE}/config": ["ALLOWED_HOSTS", "API_TOKEN", "HEALTH_TOKEN", "SECRET_KEY"],
        f"secretsmanager:{APP}/{STAGE}/database": [
            "DATABASE_DBNAME",
            "DATABASE_ENGINE",
            "DATABASE_HOST",
            "DATABASE_PASSWORD",
            "DATABASE_PORT",
            "DATABASE_URL",
            "DATABASE_USERNAME",
        ],
    }
    assert body["bootstrap"]["aws_calls"] == 2 and body["bootstrap"]["retries"] == 0
    assert_no_secret_leaked(run, prod_stage)


def test_without_instantiate_on_import_the_first_event_bootstraps(
    prod_function: LambdaFunction, prod_stage: SeededStage
) -> None:
    """Zappa's default: the handler (and so the bootstrap's load) is built by the first invocation.

    The stage's calls still start in the init (lambda_bootstrap.zappa_handler); the first invocation's
    load() checks and exports their answers.
    """
    lazy = dataclasses.replace(prod_function, variables={})
    run = lazy.cold_start([health_request(), health_request()], endpoint=prod_stage.endpoint)

    assert run.init_error is None, run.output
    assert run.init_calls == EXPECTED_BOOTSTRAP_CALLS
    assert [invocation.calls for invocation in run.invocations] == [{}, {}]
    assert "started at import" in run.output
    assert [invocation.response["statusCode"] for invocation in run.invocations] == [200, 200]


def test_keep_warm_ping_goes_through_the_same_bootstrap(prod_function: LambdaFunction, prod_stage: SeededStage) -> None:
    run = prod_function.cold_start([keep_warm_event(APP, STAGE), health_request()], endpoint=prod_stage.endpoint)

    assert run.init_error is None, run.output
    assert run.init_calls == EXPECTED_BOOTSTRAP_CALLS
    ping, request = run.invocations
    assert (ping.error, ping.response, ping.calls) == (None, None, {})
    assert (request.response["statusCode"], request.calls) == (200, {})


def test_scheduled_heartbeat_goes_through_the_same_bootstrap(
    prod_function: LambdaFunction, prod_stage: SeededStage
) -> None:
    run = prod_function.cold_start([scheduled_event(HEARTBEAT_RULE), health_request()], endpoint=prod_stage.endpoint)

    assert run.init_error is None, run.output
    assert run.init_calls == EXPECTED_BOOTSTRAP_CALLS
    beat, request = run.invocations
    assert beat.error is None and isinstance(beat.response["heartbeat"], int)
    assert beat.calls == {} and request.calls == {}
    assert json.loads(request.response["body"])["database"]["last_heartbeat"] is not None
    assert_no_secret_leaked(run, prod_stage)


def test_missing_required_parameter_fails_the_cold_start_naming_it(
    prod_function: LambdaFunction, prod_stage: SeededStage
) -> None:
    update_bundle(APP, STAGE, {"ALLOWED_HOSTS": None})

    run = prod_function.cold_start([health_request()], endpoint=prod_stage.endpoint)

    assert run.init_error is not None, run.output
    assert run.init_error["type"] == "lambda_bootstrap.errors.ConfigurationError"
    assert run.init_error["message"] == (
        f"required configuration missing or blank: ALLOWED_HOSTS (looked in secretsmanager:{APP}/{STAGE}/config, "
        f"secretsmanager:{APP}/{STAGE}/database and the process environment; BOOTSTRAP_REQUIRED)"
    )
    assert run.init_calls == EXPECTED_BOOTSTRAP_CALLS
    assert run.invocations == []  # Lambda invokes nothing after a failed init
    assert API_TOKEN not in run.init_error["traceback"]
    assert_no_secret_leaked(run, prod_stage)
