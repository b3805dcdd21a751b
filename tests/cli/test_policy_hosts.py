"""``policy <stage> --for lambda|ec2|ecs [--trust]``: same sources on every host, each trusting its service."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambda_bootstrap_cli.policy import stage_policy
from lambda_bootstrap_cli.stage import load_stage

from .tooling import run

ROOT = Path(__file__).resolve().parents[2]


def _sids(document: dict[str, object]) -> list[str]:
    return [s["Sid"] for s in document["Statement"]]  # type: ignore[attr-defined]


def test_lambda_is_the_default_and_unchanged(project: Path) -> None:
    assert run("policy", "prod", "--for", "lambda").out == run("policy", "prod").out
    lambda_policy = json.loads(run("policy", "prod").out)
    assert _sids(lambda_policy)[0] == "FunctionLogs"


@pytest.mark.parametrize("host", ["ec2", "ecs"])
def test_ec2_and_ecs_read_what_lambda_reads_without_a_lambda_log_group(project: Path, host: str) -> None:
    result = run("policy", "prod", "--for", host, "--account", "123456789012")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    lambda_statements = stage_policy(load_stage("prod"), "123456789012")["Statement"]
    assert document["Statement"] == [s for s in lambda_statements if s["Sid"] != "FunctionLogs"]
    assert "/aws/lambda/" not in result.out and "logs:" not in result.out


@pytest.mark.parametrize(
    ("host", "principals"),
    [
        ("lambda", ["apigateway.amazonaws.com", "lambda.amazonaws.com", "events.amazonaws.com"]),
        ("ec2", ["ec2.amazonaws.com"]),
        ("ecs", ["ecs-tasks.amazonaws.com"]),
    ],
)
def test_each_trust_policy_names_its_service(project: Path, host: str, principals: list[str]) -> None:
    document = json.loads(run("policy", "prod", "--for", host, "--trust").out)
    (statement,) = document["Statement"]
    assert statement["Principal"] == {"Service": principals}
    assert statement["Action"] == "sts:AssumeRole" and statement["Effect"] == "Allow"
    assert "Condition" not in statement  # no account given: nothing to bind to


def test_the_lambda_trust_policy_is_zappas_own() -> None:
    import zappa.core

    zappas = json.loads(zappa.core.ASSUME_POLICY)["Statement"][0]
    ours = json.loads(run("policy", "prod", "--trust", "--settings", str(ROOT / "zappa_settings.json")).out)
    assert ours["Statement"][0]["Principal"] == zappas["Principal"]


def test_an_ecs_task_role_is_bound_to_its_account_and_region(project: Path) -> None:
    document = json.loads(run("policy", "prod", "--for", "ecs", "--trust", "--account", "111122223333").out)
    assert document["Statement"][0]["Condition"] == {
        "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:111122223333:*"},
        "StringEquals": {"aws:SourceAccount": "111122223333"},
    }


def test_an_unknown_host_is_bad_input(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run("policy", "prod", "--for", "lightsail")
    assert exited.value.code == 2
    assert "invalid choice: 'lightsail'" in capsys.readouterr().err
