"""Stages as Zappa reads them, and pointers derived by the bootstrap's own settings code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambda_bootstrap_cli.errors import ToolError
from lambda_bootstrap_cli.stage import load_stage, resolve_extends

from .tooling import run

ROOT = Path(__file__).resolve().parents[2]


def zappa_stage_config(settings_file: Path, stage: str) -> dict[str, object]:
    """What Zappa itself resolves for ``stage`` (its CLI's get_stage_setting)."""
    from zappa.cli import ZappaCLI

    cli = ZappaCLI()
    cli.api_stage = stage
    cli.load_settings_file(str(settings_file))
    return dict(cli.stage_config)


@pytest.mark.parametrize("stage", ["prod", "staging", "dev", "prod-vpc"])
def test_extends_resolves_exactly_as_zappa_does(stage: str) -> None:
    settings_file = ROOT / "zappa_settings.json"
    document = json.loads(settings_file.read_text(encoding="utf-8"))
    assert resolve_extends(document, stage) == zappa_stage_config(settings_file, stage)


def test_the_projects_stages_read_their_own_bundle_and_secret() -> None:
    dev = load_stage("dev", str(ROOT / "zappa_settings.json"))
    assert dev.bootstrap.ssm_path is None
    assert dev.bootstrap.bundle == "coldstart/dev/config"
    assert [s.secret_id for s in dev.bootstrap.secrets] == ["coldstart/dev/database"]
    assert dev.bootstrap.required == ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")
    assert dev.config["keep_warm"] is False and dev.config["memory_size"] == 512  # dev <- staging <- prod
    assert dev.function_name == "coldstart-dev"
    assert dev.role_name == "coldstart-dev-ZappaLambdaExecutionRole"
    assert dev.region == "us-east-1"


def test_unknown_stage_names_the_known_ones(project: Path) -> None:
    with pytest.raises(ToolError, match=r"stage 'qa' is not in .*zappa_settings.json \(stages: prod, staging\)"):
        load_stage("qa")


def test_circular_and_dangling_extends_are_errors() -> None:
    with pytest.raises(ToolError, match="circular extends"):
        resolve_extends({"a": {"extends": "b"}, "b": {"extends": "a"}}, "a")
    with pytest.raises(ToolError, match=r"extends 'nowhere' in zappa_settings\.json, which is not a stage"):
        resolve_extends({"a": {"extends": "nowhere"}}, "a")


def test_missing_settings_file_and_stage_without_sources(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="does not exist"):
        load_stage("prod", str(tmp_path / "zappa_settings.json"))
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps({"prod": {"project_name": "x", "aws_region": "eu-west-1"}}), encoding="utf-8")
    with pytest.raises(ToolError, match="declares no source: set BOOTSTRAP_BUNDLE") as raised:
        load_stage("prod", str(bare))
    assert "lambda-bootstrap init prod" in str(raised.value)  # the recommended layout first, and how to get it


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ({"prod": {"environment_variables": "BOOTSTRAP_BUNDLE=config"}}, "environment_variables must be a JSON object"),
        ({"prod": {"environment_variables": {"BOOTSTRAP_BUNDLE": 1}}}, "values must be strings: BOOTSTRAP_BUNDLE"),
        ({"prod": {"extends": ["staging"]}, "staging": {}}, "extends must name a stage (a string)"),
        ({"prod": None}, "must be a JSON object of settings"),
        ({"prod": {"extends": "base"}, "base": 7}, "stage 'prod' extends 'base' in"),
        ({"prod": {"lambda_bootstrap": {"schema": 3}}}, "lambda_bootstrap values must be non-empty strings"),
        (
            {"prod": {"lambda_bootstrap": {"shema": "x:Y"}}},
            "lambda_bootstrap knows ['aws_services', 'kms_key', 'schema'], not ['shema']",
        ),
        ({"prod": {"lambda_bootstrap": {"aws_services": "sqs"}}}, "aws_services must be a list of service names"),
        ({"prod": {"extra_permissions": {"Effect": "Allow"}}}, "extra_permissions must be a JSON list"),
        ([], "must hold a JSON object of stages"),
    ],
)
def test_any_malformed_settings_file_is_one_line_and_exit_2(project: Path, stages: object, message: str) -> None:
    (project / "zappa_settings.json").write_text(json.dumps(stages), encoding="utf-8")
    result = run("check", "prod")
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1


def test_the_packages_aws_services_option_is_the_tools_too(project: Path) -> None:
    """deploy/runtime_package.py reads it; every command of the tool still accepts the stage."""
    settings = json.loads((project / "zappa_settings.json").read_text(encoding="utf-8"))
    settings["prod"]["lambda_bootstrap"] = {"aws_services": ["sqs", "s3"]}
    (project / "zappa_settings.json").write_text(json.dumps(settings), encoding="utf-8")
    assert load_stage("prod").options["aws_services"] == ["sqs", "s3"]
