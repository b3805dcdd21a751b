"""``zappa deploy/status/update/undeploy staging`` through Zappa's own CLI, against moto's server.

Zappa runs in this process (so the one moto gap can be bridged, see
testsupport/moto_gaps.py), from the project copy, with the runtime virtualenv and a private
TMPDIR; then boto3 asks moto what AWS would hold.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.deploy.conftest import API_TOKEN, APP, SeededStage, seed_app_stage
from tests.deploy.packaging import prepare_zappa_in_process, run_zappa
from testsupport.lambda_python import RUNTIME

STAGE = "staging"
FUNCTION = f"{APP}-{STAGE}"
BUCKET = "coldstart-zappa-packages"


@pytest.fixture
def zappa(
    project_copy: Path,
    test_settings_file: Path,
    moto_endpoint: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Any:
    """Run one Zappa command in-process as ``zappa <command> staging -j -s <test settings>``; returns its stdout."""
    prepare_zappa_in_process(monkeypatch, project_copy, moto_endpoint, tmp_path / "zappa-tmp")

    def run(command: str, *extra: str) -> str:
        capsys.readouterr()
        run_zappa(command, STAGE, test_settings_file, *extra)
        return capsys.readouterr().out

    return run


@pytest.fixture
def staging_stage(moto_endpoint: str, e2e_database_url: str) -> SeededStage:
    return seed_app_stage(STAGE, moto_endpoint, e2e_database_url)


def uploaded_packages() -> list[bytes]:
    """The zips Zappa uploaded to S3 (kept there by the test-only ``delete_s3_zip: false``), oldest first."""
    s3 = boto3.client("s3")
    objects = sorted(s3.list_objects_v2(Bucket=BUCKET)["Contents"], key=lambda item: item["Key"])
    return [s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read() for item in objects]


def code_sha256(package: bytes) -> str:
    return base64.b64encode(hashlib.sha256(package).digest()).decode()


def assert_package_holds_no_value(package: bytes, values: tuple[str, ...]) -> None:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        for entry in archive.infolist():
            content = archive.read(entry)
            assert not [value for value in values if value.encode() in content], entry.filename


@pytest.mark.e2e
@pytest.mark.slow
def test_deploy_status_update_undeploy(zappa: Any, staging_stage: SeededStage, project_copy: Path) -> None:
    aws_lambda, iam = boto3.client("lambda"), boto3.client("iam")
    secrets = (*staging_stage.secret_values, API_TOKEN)

    zappa("deploy")

    config = aws_lambda.get_function_configuration(FunctionName=FUNCTION)
    # the stage's runtime, whatever Python deployed it; and every module as that runtime's bytecode
    assert config["Runtime"] == RUNTIME.runtime == "python3.13"
    assert config["Handler"] == "lambda_bootstrap.zappa_handler.lambda_handler"
    assert (config["MemorySize"], config["Timeout"]) == (512, 30)
    assert config["Environment"]["Variables"] == {"INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT": "true"}
    for value in secrets:
        assert value not in json.dumps(config, default=str)
    [deployed] = uploaded_packages()
    assert config["CodeSha256"] == code_sha256(deployed)
    assert_package_holds_no_value(deployed, secrets)
    with zipfile.ZipFile(io.BytesIO(deployed)) as archive:
        assert "API_STAGE='staging'" in archive.read("zappa_settings.py").decode().splitlines()
        names = archive.namelist()
    assert "lambda_bootstrap/__pycache__/zappa_handler.cpython-313.pyc" in names
    assert not [name for name in names if name.endswith(".pyc") and ".cpython-313." not in name]

    role_name = config["Role"].rsplit("/", 1)[-1]
    policy = iam.get_role_policy(RoleName=role_name, PolicyName="zappa-permissions")["PolicyDocument"]
    assert policy == json.loads((project_copy / "deploy" / "iam" / f"{STAGE}.json").read_text())
    assert "coldstart/prod" not in json.dumps(policy)

    rules = {rule["Name"] for rule in boto3.client("events").list_rules(NamePrefix=FUNCTION)["Rules"]}
    assert rules == {
        f"{FUNCTION}-project.health.tasks.record_heartbeat",
        f"{FUNCTION}-zappa-keep-warm-handler.keep_warm_callback",
    }
    # moto answers AddPermission 200 where Zappa expects 201: Zappa logs an error, yet the grants exist.
    grants = json.loads(aws_lambda.get_policy(FunctionName=FUNCTION)["Policy"])["Statement"]
    assert {grant["Principal"]["Service"] for grant in grants} >= {"events.amazonaws.com"}

    status = json.loads(zappa("status"))
    assert status["Lambda Name"] == FUNCTION
    assert status["Lambda Role ARN"] == config["Role"]
    assert status["Lambda Versions"] >= 1

    zappa("update")

    updated = aws_lambda.get_function_configuration(FunctionName=FUNCTION)
    first, second = uploaded_packages()
    assert first == deployed
    assert updated["CodeSha256"] == code_sha256(second) != config["CodeSha256"]
    assert updated["Environment"]["Variables"] == {"INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT": "true"}
    assert_package_holds_no_value(second, secrets)

    zappa("undeploy", "-y")

    with pytest.raises(ClientError) as gone:
        aws_lambda.get_function(FunctionName=FUNCTION)
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert boto3.client("events").list_rules(NamePrefix=FUNCTION)["Rules"] == []
