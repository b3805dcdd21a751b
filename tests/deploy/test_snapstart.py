"""SnapStart, end to end: the packaged zip under AWS's runtime client, snapshotted and restored.

awslambdaric runs its SnapStart path (``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``):
the init (Django and the bootstrap load), the before-snapshot hooks, then
``restore/next`` on the Runtime API stand-in, held while the test changes the
world (a value rotated, a secret gone), then the after-restore hooks and the
events. What the first invocation after the restore sees is what a restored
Lambda environment would serve.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.deploy.conftest import APP, HEALTH_TOKEN, STAGE, SeededStage
from tests.deploy.ric_container import run_under_ric
from testsupport import leaks
from testsupport.lambda_events import api_gateway_event
from testsupport.lambda_runtime import ContainerRun, LambdaFunction
from testsupport.stage import update_bundle

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.usefixtures("migrated_prod")]

ROTATED = "rotated-while-snapshotted-" + "Rw9" * 10


def health(token: str) -> dict[str, Any]:
    return api_gateway_event("GET", "/health/", stage=STAGE, headers={"Authorization": f"Bearer {token}"})


def body(response: dict[str, Any] | None) -> str:
    return str((response or {}).get("body", ""))


def test_a_value_rotated_while_the_snapshot_waits_is_what_the_first_invocation_sees(
    prod_function: LambdaFunction, prod_stage: SeededStage, migrated_prod: ContainerRun
) -> None:
    def rotate() -> None:  # after the init and its snapshot hooks, before the restore
        update_bundle(APP, STAGE, {"HEALTH_TOKEN": ROTATED})

    run = run_under_ric(
        prod_function, [health(ROTATED), health(HEALTH_TOKEN)], endpoint=prod_stage.endpoint, at_snapshot=rotate
    )
    assert run.init_error is None and run.restore_error is None, run.output
    rotated, old = (run.outcome(0), run.outcome(1))
    assert rotated is not None and rotated.kind == "response", run.output
    assert '"config"' in body(rotated.json()), body(rotated.json())  # the new token opens the details
    assert old is not None and '"config"' not in body(old.json())  # the snapshot's token no longer does
    assert "1 key(s) changed since the snapshot: HEALTH_TOKEN" in run.output
    assert "ready for the snapshot" in run.output
    leaks.assert_nothing_leaked([*prod_stage.secret_values, ROTATED], **run.everything())


def test_a_restore_that_cannot_confirm_its_configuration_fails_closed_naming_the_secret(
    prod_function: LambdaFunction, prod_stage: SeededStage
) -> None:
    def delete_the_bundle() -> None:
        boto3.client("secretsmanager").delete_secret(SecretId=f"{APP}/{STAGE}/config", ForceDeleteWithoutRecovery=True)

    run = run_under_ric(
        prod_function, [health(HEALTH_TOKEN)], endpoint=prod_stage.endpoint, at_snapshot=delete_the_bundle
    )
    error = run.restore_error
    assert error is not None, run.output
    assert f"secretsmanager:{APP}/{STAGE}/config does not exist" in error["errorMessage"]
    assert run.outcome(0) is None  # no event reaches an environment that could not confirm its configuration
    assert run.returncode == 65  # awslambdaric's exit after a restore error: Lambda discards the environment
    leaks.assert_nothing_leaked(list(prod_stage.secret_values), **run.everything())
