"""The CLI as a user runs it: ``python -m lambda_bootstrap`` in its own process, against moto's server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from testsupport.leaks import assert_nothing_leaked
from testsupport.stage import seed_stage

from .tooling import STAGES

pytestmark = pytest.mark.e2e  # every test runs the CLI in a fresh interpreter

ROOT = Path(__file__).resolve().parents[2]
VALUE = "Process-Secret-Value-7"


def cli(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "lambda_bootstrap", *argv],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_policy_push_diff_check_from_a_shell(tmp_path: Path, moto_endpoint: str) -> None:
    stages = json.loads(json.dumps(STAGES))
    stages["prod"]["attach_policy"] = "deploy/iam/prod.json"
    (tmp_path / "zappa_settings.json").write_text(json.dumps(stages), encoding="utf-8")
    (tmp_path / ".env.prod").write_text(f"SECRET_KEY={VALUE}\nALLOWED_HOSTS=example.com\n", encoding="utf-8")
    (tmp_path / ".env.db").write_text(f"password={VALUE}\n", encoding="utf-8")
    (tmp_path / "deploy/iam").mkdir(parents=True)

    policy = cli(tmp_path, "policy", "prod")
    assert policy.returncode == 0, policy.stderr
    (tmp_path / "deploy/iam/prod.json").write_text(policy.stdout, encoding="utf-8")

    refused = cli(tmp_path, "push", "prod", "--from", ".env.prod")  # stdin is not a terminal
    assert refused.returncode == 2 and "pass --yes" in refused.stderr
    steps = [
        cli(tmp_path, "push", "prod", "--from", ".env.prod", "--yes"),
        cli(tmp_path, "push", "prod", "--from", ".env.db", "--secret", "database", "--yes"),
        cli(tmp_path, "diff", "prod", "--against", ".env.prod"),
        cli(tmp_path, "check", "prod"),
    ]
    assert [s.returncode for s in steps] == [0, 0, 0, 0], [s.stdout + s.stderr for s in steps]
    assert "result: PASS" in steps[-1].stdout
    assert_nothing_leaked([VALUE], *(s.stdout + s.stderr for s in [refused, *steps]))
    stored = boto3.client("ssm", endpoint_url=moto_endpoint).get_parameter(Name="/shop/prod/SECRET_KEY")
    assert stored["Parameter"]["Type"] == "SecureString"


def test_unreachable_aws_is_exit_2_and_names_the_source(tmp_path: Path) -> None:
    (tmp_path / "zappa_settings.json").write_text(json.dumps(STAGES), encoding="utf-8")
    (tmp_path / ".env.prod").write_text(f"SECRET_KEY={VALUE}\n", encoding="utf-8")
    env = {**os.environ, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "BOOTSTRAP_MAX_ATTEMPTS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "lambda_bootstrap", "diff", "prod", "--against", ".env.prod"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "ssm:GetParametersByPath on ssm:/shop/prod/ failed" in result.stderr


def test_the_cold_path_never_imports_the_tooling(moto_endpoint: str) -> None:
    boto3.client("ssm", endpoint_url=moto_endpoint).put_parameter(
        Name="/shop/prod/SECRET_KEY", Value=VALUE, Type="SecureString"
    )
    code = (
        "import sys, lambda_bootstrap; print(sorted(lambda_bootstrap.load().sources)); "
        "print(sorted(m for m in sys.modules if m.split('.')[:2] == ['lambda_bootstrap', 'cli']))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOTSTRAP_")}
    env["BOOTSTRAP_SSM_PATH"] = "/shop/prod/"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["['SECRET_KEY']", "[]"]


def test_a_reader_that_goes_away_ends_the_command_quietly(moto_endpoint: str) -> None:
    """``check prod | head -1``: the first line, then exit 141 as a shell reports SIGPIPE, and no traceback."""
    seed_stage("coldstart", "prod", "postgres://app:Db-Pa55word-xyz@db.example:5432/app", endpoint=moto_endpoint)
    command = f"set -o pipefail; {sys.executable} -m lambda_bootstrap check prod --settings {ROOT}/zappa_settings.json"
    result = subprocess.run(
        ["bash", "-c", f"{command} | head -1"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout == "check prod (zappa_settings.json, us-east-1)\n"
    assert result.returncode == 141, result.stderr
    assert result.stderr == ""
