"""``policy <stage>``: least privilege from the stage's pointers; the committed files are its output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambda_bootstrap_cli.policy import policy_text, stage_policy
from lambda_bootstrap_cli.stage import load_stage
from testsupport.account import FakeAccount

from .tooling import run

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "zappa_settings.json"


@pytest.mark.parametrize("stage", ["prod", "staging", "dev", "prod-vpc"])
def test_committed_policy_files_are_the_commands_output(stage: str) -> None:
    loaded = load_stage(stage, str(SETTINGS))
    attach = loaded.config["attach_policy"]
    assert attach == f"deploy/iam/{stage}.json"
    assert (ROOT / attach).read_text(encoding="utf-8") == policy_text(loaded)


def test_grants_the_stage_bundle_its_secret_decrypt_via_services_and_its_logs_only() -> None:
    document = stage_policy(load_stage("staging", str(SETTINGS)), account="123456789012")
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    assert "BootstrapReadStageParameters" not in by_sid  # the bundle layout reads no SSM parameter
    assert by_sid["BootstrapReadStageSecrets"] == {
        "Sid": "BootstrapReadStageSecrets",
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": [
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:coldstart/staging/config-??????",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:coldstart/staging/database-??????",
        ],
    }
    assert by_sid["BootstrapDecryptThroughTheseServicesOnly"]["Condition"] == {
        "StringEquals": {"kms:ViaService": ["secretsmanager.us-east-1.amazonaws.com"]}
    }
    assert (
        by_sid["FunctionLogs"]["Resource"]
        == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/coldstart-staging:*"
    )
    actions = {a for s in document["Statement"] for a in s["Action"]}
    assert "secretsmanager:BatchGetSecretValue" not in actions
    assert not any(a.endswith("*") for a in actions)


def test_an_arn_secret_is_granted_as_is_and_an_ssm_only_stage_gets_no_secret_statement(project: Path) -> None:
    settings = {
        "a": {
            "project_name": "shop",
            "aws_region": "eu-west-1",
            "environment_variables": {
                "BOOTSTRAP_SSM_PATH": "/{app}/{stage}",
                "BOOTSTRAP_SECRETS": "DB=arn:aws:secretsmanager:eu-west-1:111122223333:secret:shared/db-AbCdEf",
            },
        },
        "b": {"extends": "a", "environment_variables": {"BOOTSTRAP_SSM_PATH": "/{app}/{stage}"}},
    }
    (project / "zappa_settings.json").write_text(json.dumps(settings), encoding="utf-8")
    a = stage_policy(load_stage("a"))
    assert a["Statement"][2]["Resource"] == ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:shared/db-AbCdEf"]
    b = stage_policy(load_stage("b"))
    assert [s["Sid"] for s in b["Statement"]] == [
        "FunctionLogs",
        "BootstrapReadStageParameters",
        "BootstrapDecryptThroughTheseServicesOnly",
    ]
    assert b["Statement"][-1]["Condition"]["StringEquals"]["kms:ViaService"] == ["ssm.eu-west-1.amazonaws.com"]


def test_the_command_prints_the_document_and_fills_the_account(project: Path) -> None:
    result = run("policy", "prod", "--account", "123456789012")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["Statement"][1]["Resource"][0] == "arn:aws:ssm:us-east-1:123456789012:parameter/shop/prod"
    assert run("policy", "nope").code == 2


IAM_DATABASE = {
    "DATABASE_IAM_AUTH": "true",
    "DATABASE_IAM_RESOURCE_ID": "prx-0123456789abcdef0",
    "DATABASE_IAM_USER": "app_user",
}


def write_stage(project: Path, environment: dict[str, str]) -> None:
    settings = json.loads((project / "zappa_settings.json").read_text(encoding="utf-8"))
    settings["prod"]["environment_variables"].update(environment)
    (project / "zappa_settings.json").write_text(json.dumps(settings), encoding="utf-8")


def test_iam_database_auth_grants_rds_db_connect_on_the_stage_database_user_only(project: Path) -> None:
    write_stage(project, IAM_DATABASE)
    document = stage_policy(load_stage("prod"), account="123456789012")
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    assert by_sid["AppConnectAsTheStageDatabaseUser"] == {
        "Sid": "AppConnectAsTheStageDatabaseUser",
        "Effect": "Allow",
        "Action": ["rds-db:connect"],
        "Resource": "arn:aws:rds-db:us-east-1:123456789012:dbuser:prx-0123456789abcdef0/app_user",
    }
    assert "*" not in by_sid["AppConnectAsTheStageDatabaseUser"]["Resource"]
    # The kms statement stays last; a stage without IAM auth gets no rds-db statement at all.
    assert document["Statement"][-1]["Sid"] == "BootstrapDecryptThroughTheseServicesOnly"
    write_stage(project, {"DATABASE_IAM_AUTH": "false"})
    actions = {a for s in stage_policy(load_stage("prod"))["Statement"] for a in s["Action"]}
    assert "rds-db:connect" not in actions


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"DATABASE_IAM_RESOURCE_ID": ""}, "DATABASE_IAM_RESOURCE_ID"),
        ({"DATABASE_IAM_USER": ""}, "DATABASE_IAM_USER"),
        ({"DATABASE_IAM_RESOURCE_ID": "arn:aws:rds:us-east-1:1:db-proxy:prx-1"}, "DATABASE_IAM_RESOURCE_ID must be"),
        ({"DATABASE_IAM_USER": "*"}, "DATABASE_IAM_USER must be"),
        ({"DATABASE_IAM_AUTH": "perhaps"}, "DATABASE_IAM_AUTH must be a boolean"),
    ],
)
def test_an_incomplete_iam_declaration_stops_the_command_naming_the_key(
    project: Path, environment: dict[str, str], named: str
) -> None:
    write_stage(project, {**IAM_DATABASE, **environment})
    result = run("policy", "prod")
    assert result.code == 2
    assert named in result.err
    assert "prx-1" not in result.err


def test_the_apps_own_grants_count_as_the_apps_and_check_passes_them(project: Path, account: FakeAccount) -> None:
    """xray_tracing's grants go into the file; extra_permissions stay where Zappa adds them at deploy."""
    settings = json.loads((project / "zappa_settings.json").read_text(encoding="utf-8"))
    bucket = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::shop-media/*"}
    settings["prod"].update(xray_tracing=True, extra_permissions=[bucket], attach_policy="deploy/iam/prod.json")
    (project / "zappa_settings.json").write_text(json.dumps(settings), encoding="utf-8")
    printed = run("policy", "prod")
    document = json.loads(printed.out)
    sids = [statement["Sid"] for statement in document["Statement"]]
    assert sids[-1] == "AppXrayTracing" and "xray:PutTraceSegments" in document["Statement"][-1]["Action"]
    assert "s3:GetObject" not in printed.out  # Zappa appends extra_permissions itself
    assert "the app's: AppXrayTracing, 1 extra_permissions statement(s)" in printed.err
    assert "the bootstrap's grants: BootstrapReadStageParameters, BootstrapReadStageSecrets" in printed.err
    (project / "deploy" / "iam").mkdir(parents=True)
    (project / "deploy" / "iam" / "prod.json").write_text(printed.out, encoding="utf-8")
    assert "PASS  policy-file" in run("check", "prod").out


def test_a_customer_managed_key_narrows_decrypt_to_that_key(project: Path) -> None:
    settings = json.loads((project / "zappa_settings.json").read_text(encoding="utf-8"))
    for key, resource in (
        ("arn:aws:kms:us-east-1:111122223333:key/1234abcd", "arn:aws:kms:us-east-1:111122223333:key/1234abcd"),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:us-east-1:*:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
        ("alias/shop-prod", "arn:aws:kms:us-east-1:*:key/*"),
    ):
        settings["prod"]["lambda_bootstrap"] = {"kms_key": key}
        (project / "zappa_settings.json").write_text(json.dumps(settings), encoding="utf-8")
        decrypt = stage_policy(load_stage("prod"))["Statement"][-1]
        assert decrypt["Action"] == ["kms:Decrypt"] and decrypt["Resource"] == resource
        assert decrypt["Condition"]["StringEquals"]["kms:ViaService"]  # through SSM / Secrets Manager only
        if key.startswith("alias/"):
            assert decrypt["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": "alias/shop-prod"}
