"""No credential, value or digest of one in any log record, at DEBUG, in the cold start and every CLI command.

Each run is a fresh process (tests/log_capture.py) with the root logger at
DEBUG, canary credentials, and canary values in moto's server; every record of
every logger, the process's output and its error are scanned for every form of
each canary (testsupport/leaks.py), and for the SHA-256 of each request body and
each request's signature as they went on the wire.

The first test runs the same calls through plain boto3, with no hygiene: the
loggers that then carry a secret must all be in log_hygiene.CARRIERS, and
every logger that says anything at all must be classified (CARRIERS or
QUIET_LOGGERS). A botocore upgrade that adds a logger, or makes a quiet one
print a header, fails it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from lambda_bootstrap.log_hygiene import CARRIERS, SILENCED_TREES
from tests.cli.tooling import STAGES
from testsupport.aws_env import NO_LOCAL_AWS
from testsupport.leaks import canary, find_leaks
from testsupport.secrets import put_current
from testsupport.stage import deploy_function

pytestmark = pytest.mark.e2e  # fresh interpreters capture every log record

ROOT = Path(__file__).resolve().parents[2]
APP, STAGE = "shop", "prod"

# Loggers seen emitting DEBUG records during these calls that carry nothing secret (botocore 1.44.8).
QUIET_LOGGERS = {
    "botocore.client": "client creation, endpoint selection",
    "botocore.configprovider": "which config source set a setting",
    "botocore.loaders": "which model files were loaded",
    "botocore.regions": "endpoint rules",
    "botocore.session": "session setup",
    "botocore.useragent": "user agent components",
    "botocore.httpchecksum": "whether a checksum is computed",
    "botocore.retries.standard": "retry decisions by error code",
    "botocore.retries.special": "retry decisions by error code",
    "botocore.handlers": "parameter handling",
    "botocore.utils": "instance metadata and URL handling",
}


@dataclass(frozen=True)
class CapturedRun:
    records: list[dict[str, Any]]
    wire: list[dict[str, str]]
    output: str
    returned: str | None
    error: str | None

    def texts(self) -> dict[str, str]:
        """Each logger's records as one text (so a leak names its logger), then the process's output."""
        by_logger: dict[str, list[str]] = {}
        for record in self.records:
            by_logger.setdefault(f"logger {record['logger']}", []).append(record["message"] + record["exc"])
        return {
            **{where: "\n".join(lines) for where, lines in by_logger.items()},
            "stdout+stderr": self.output,
            "error": self.error or "",
        }

    def wire_secrets(self) -> dict[str, str]:
        secrets: dict[str, str] = {}
        for index, sent in enumerate(self.wire):
            if sent["body_sha256"]:
                secrets[f"SHA-256 of request body #{index}"] = sent["body_sha256"]
            if sent["signature"]:
                secrets[f"signature of request #{index}"] = sent["signature"]
        return secrets

    def leaks(self, secrets: dict[str, str]) -> list[Any]:
        return find_leaks({**secrets, **self.wire_secrets()}, self.texts())


@pytest.fixture
def canaries() -> dict[str, str]:
    return {
        "AWS_SECRET_ACCESS_KEY": canary("secret-access-key"),
        "AWS_SESSION_TOKEN": canary("session-token"),
        "SSM value": canary("ssm-value"),
        "secret field": canary("secret-field"),
        "pushed value": canary("pushed-value"),
        "short pushed value": "3600",  # short: only its digest is looked for
    }


def process_environment(endpoint: str, canaries: dict[str, str], **extra: str) -> dict[str, str]:
    """A fresh process's environment: canary credentials, moto as AWS, the repository importable."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",  # an access key id names a key; it is not a secret
        "AWS_SECRET_ACCESS_KEY": canaries["AWS_SECRET_ACCESS_KEY"],
        "AWS_SESSION_TOKEN": canaries["AWS_SESSION_TOKEN"],
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        **NO_LOCAL_AWS,
        "AWS_ENDPOINT_URL": endpoint,
        **extra,
    }


def run_captured(target: str, args: list[str], env: dict[str, str], cwd: Path, tmp_path: Path) -> CapturedRun:
    out = tmp_path / f"capture-{len(list(tmp_path.glob('capture-*')))}.json"
    completed = subprocess.run(
        [sys.executable, "-m", "tests.log_capture", str(out), target, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0 and out.is_file(), completed.stderr
    captured = json.loads(out.read_text())
    return CapturedRun(
        captured["records"],
        captured["wire"],
        completed.stdout + completed.stderr,
        captured["returned"],
        captured["error"],
    )


def in_trees(name: str) -> bool:
    return any(name == tree or name.startswith(tree + ".") for tree in SILENCED_TREES)


@pytest.mark.slow
def test_every_sdk_logger_that_carries_a_secret_is_a_known_carrier(
    moto_endpoint: str, canaries: dict[str, str], tmp_path: Path
) -> None:
    values = [canaries["SSM value"], canaries["secret field"]]
    run = run_captured(
        "tests.log_capture:raw_sdk_calls", values, process_environment(moto_endpoint, canaries), ROOT, tmp_path
    )
    assert run.returned == "'done'", run.error

    carriers = {leak.where.removeprefix("logger ") for leak in run.leaks(canaries) if leak.where.startswith("logger ")}
    assert "botocore.auth" in carriers  # the scan sees what the issue saw: the session token, body digests
    assert carriers <= set(CARRIERS), f"new logger(s) carrying secrets: add to CARRIERS: {carriers - set(CARRIERS)}"
    emitters = {record["logger"] for record in run.records}
    unclassified = {name for name in emitters if in_trees(name)} - set(CARRIERS) - set(QUIET_LOGGERS)
    assert not unclassified, f"classify these SDK loggers (CARRIERS or QUIET_LOGGERS): {sorted(unclassified)}"


@pytest.mark.slow
def test_the_bootstrap_at_debug_logs_no_credential_value_or_digest(
    moto_endpoint: str, canaries: dict[str, str], tmp_path: Path
) -> None:
    ssm, secrets = boto3.client("ssm"), boto3.client("secretsmanager")
    ssm.put_parameter(Name=f"/{APP}/{STAGE}/API_TOKEN", Value=canaries["SSM value"], Type="SecureString")
    secrets.create_secret(
        Name=f"{APP}/{STAGE}/database", SecretString=json.dumps({"API_PASSWORD": canaries["secret field"]})
    )
    env = process_environment(
        moto_endpoint,
        canaries,
        PROJECT=APP,
        STAGE=STAGE,
        BOOTSTRAP_SSM_PATH="/{app}/{stage}/",
        BOOTSTRAP_SECRETS="database",
        BOOTSTRAP_REQUIRED="API_TOKEN",
    )

    run = run_captured("tests.log_capture:bootstrap_load", [], env, ROOT, tmp_path)

    assert run.error is None and run.returned is not None
    assert run.wire, "no AWS call was made: nothing was tested"
    leaks = [str(leak) for leak in run.leaks(canaries)]  # labels and forms, never the values
    assert not leaks
    assert not [r["logger"] for r in run.records if in_trees(r["logger"]) and r["level"] < 20]


CLI_COMMANDS = {
    "push": ["push", STAGE, "--from", ".env.prod", "--yes"],
    "push --secret": ["push", STAGE, "--from", ".env.prod", "--secret", "database", "--yes"],
    "diff": ["diff", STAGE, "--against", ".env.prod"],
    "diff --secret": ["diff", STAGE, "--against", ".env.prod", "--secret", "database"],
    "check": ["check", STAGE],
    "policy": ["policy", STAGE],
    "manifest": ["manifest", STAGE, "--output", "-"],
    "push (bundle)": ["push", STAGE, "--from", ".env.prod", "--yes"],
    "migrate": ["migrate", STAGE, "--yes"],
    "roll": ["roll", STAGE],
    "unset": ["unset", STAGE, "API_KEY", "--yes"],
    "history": ["history", STAGE],
    "rollback": ["rollback", STAGE, "--yes"],
}
BUNDLE_COMMANDS = {"push (bundle)", "migrate", "roll", "unset", "history", "rollback"}
PUSHED_TWICE = {"unset", "history", "rollback"}  # they need a bundle with versions: two pushes first


@pytest.mark.slow
@pytest.mark.parametrize("command", list(CLI_COMMANDS))
def test_every_cli_command_at_debug_logs_no_credential_value_or_digest(
    command: str, moto_endpoint: str, canaries: dict[str, str], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    stages = json.loads(json.dumps(STAGES))
    if command in BUNDLE_COMMANDS:  # the stage reads the bundle too: push writes there, migrate and roll read it
        stages["prod"]["environment_variables"]["BOOTSTRAP_BUNDLE"] = "config"
    (project / "zappa_settings.json").write_text(json.dumps(stages))
    (project / ".env.prod").write_text(
        f"SECRET_KEY={canaries['pushed value']}\nALLOWED_HOSTS=api.example.com\n"
        f"SECURE_HSTS_SECONDS={canaries['short pushed value']}\n"
    )
    boto3.client("ssm").put_parameter(
        Name=f"/{APP}/{STAGE}/API_TOKEN", Value=canaries["SSM value"], Type="SecureString"
    )
    boto3.client("secretsmanager").create_secret(
        Name=f"{APP}/{STAGE}/database", SecretString=json.dumps({"PASSWORD": canaries["secret field"]})
    )
    if command in PUSHED_TWICE:
        secrets = boto3.client("secretsmanager")
        first = {"SECRET_KEY": canaries["pushed value"], "ALLOWED_HOSTS": "api.example.com"}
        secrets.create_secret(Name=f"{APP}/{STAGE}/config", SecretString=json.dumps(first))
        put_current(secrets, f"{APP}/{STAGE}/config", json.dumps({**first, "API_KEY": canaries["secret field"]}))
    if command == "roll":
        boto3.client("secretsmanager").create_secret(
            Name=f"{APP}/{STAGE}/config",
            SecretString=json.dumps({"SECRET_KEY": canaries["pushed value"], "ALLOWED_HOSTS": "api.example.com"}),
        )
        deploy_function(f"{APP}-{STAGE}")

    run = run_captured(
        "lambda_bootstrap_cli:main",
        CLI_COMMANDS[command],
        process_environment(moto_endpoint, canaries),
        project,
        tmp_path,
    )

    assert run.error is None, run.error
    if command in PUSHED_TWICE:
        assert run.returned == "0"  # the write (or history) was made, not refused
    leaks = [str(leak) for leak in run.leaks(canaries)]  # labels and forms, never the values
    assert not leaks
    assert not [r["logger"] for r in run.records if in_trees(r["logger"]) and r["level"] < 20]
    if command != "policy":
        assert run.wire, "no AWS call was made: nothing was tested"


def test_a_carrier_given_a_debug_level_of_its_own_still_drops_debug(caplog: pytest.LogCaptureFixture) -> None:
    """The tree's INFO level is inherited; the carriers' filter holds even when someone sets DEBUG on one."""
    import logging

    from lambda_bootstrap.log_hygiene import silence_aws_wire_logging

    auth, tree = logging.getLogger("botocore.auth"), logging.getLogger("botocore")
    before = auth.level, tree.level
    silence_aws_wire_logging()
    try:
        auth.setLevel(logging.DEBUG)
        with caplog.at_level(logging.DEBUG):
            auth.debug("CanonicalRequest: x-amz-security-token:canary")
            logging.getLogger("botocore.some_new_module").debug("a new logger's wire dump")
            auth.warning("signature version not supported")
        assert [(r.name, r.levelname) for r in caplog.records] == [("botocore.auth", "WARNING")]
    finally:
        auth.setLevel(before[0])
        tree.setLevel(before[1])
