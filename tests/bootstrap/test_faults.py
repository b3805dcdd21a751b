"""Faults over real HTTP: a burst of cold starts under throttling, hung calls, a partial outage.

The faults come from testsupport.aws_proxy.AwsProxy in front of moto's server, so
they travel the same path a real throttle or a hung socket does: through
botocore's HTTP stack, its timeouts, and the bootstrap's own retries.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lambda_bootstrap
from lambda_bootstrap import SourceUnavailableError
from lambda_bootstrap.settings import read_settings
from testsupport.account import APP, STAGE
from testsupport.aws_proxy import AwsProxy
from testsupport.burst import run_burst
from testsupport.burst import seed_stage as seed_burst_stage
from testsupport.leaks import assert_nothing_leaked
from testsupport.stage import seed_stage

DATABASE_URL = "postgres://app:fault-test-db-password@db:5432/app"
# Scheduling slack on top of a deadline: a bound on behaviour (no hang), not a speed claim.
MARGIN = 1.5


class HangOnceProxy(AwsProxy):
    """Hangs only the first matching request: AWS stalls once, then answers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hung = 0

    def _hangs(self, operation: str) -> bool:
        if not super()._hangs(operation):
            return False
        with self._lock:
            self.hung += 1
            return self.hung == 1


@pytest.fixture
def stage(moto_endpoint: str, stage_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Stage shop/prod in moto's server (SSM path + database secret); yields the seeded values."""
    values = seed_stage(
        APP, STAGE, DATABASE_URL, {"API_TOKEN": "fault-test-api-token"}, endpoint=moto_endpoint, layout="ssm"
    )
    monkeypatch.setenv("BOOTSTRAP_SECRETS", "database")
    monkeypatch.setenv("BOOTSTRAP_REQUIRED", "SECRET_KEY,DATABASE_URL")
    yield [*values.values(), "fault-test-db-password"]


def through(proxy: AwsProxy, monkeypatch: pytest.MonkeyPatch) -> AwsProxy:
    """Point every boto3 client made from now on at ``proxy``."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    return proxy


def assert_nothing_exported_or_leaked(
    error: BaseException, caplog: pytest.LogCaptureFixture, values: list[str]
) -> None:
    assert "SECRET_KEY" not in os.environ and "DATABASE_URL" not in os.environ
    assert lambda_bootstrap.current_report() is None  # nothing cached: the next init starts afresh
    output = "\n".join([str(error), "".join(traceback.format_exception(error)), caplog.text])
    assert_nothing_leaked(values, output)


# --- A burst of cold starts, each in its own fresh process -------------------------------


def test_a_burst_of_cold_starts_all_succeed_at_30_percent_faults(moto_endpoint: str, tmp_path: Path) -> None:
    pointers = seed_burst_stage(moto_endpoint, parameters=6, manifest_dir=tmp_path)
    result = run_burst(moto_endpoint, pointers, rate=0.3, processes=16, rounds=1, seed=7)
    assert result.errors == {}
    assert result.succeeded == result.tried == 16
    assert result.retries >= result.faults > 0  # every injected fault was retried


def test_at_100_percent_faults_every_cold_start_fails_within_its_deadline(moto_endpoint: str, tmp_path: Path) -> None:
    pointers = seed_burst_stage(moto_endpoint, parameters=6, manifest_dir=tmp_path)
    result = run_burst(moto_endpoint, pointers, rate=1.0, processes=8, rounds=1, seed=7)
    assert result.succeeded == 0 and result.tried == 8
    for message in result.errors:
        kind, _, text = message.partition(": ")
        assert kind in {"SourceUnavailableError"}, message
        assert "secretsmanager:burst/prod/" in text or "ssm:/burst/prod/" in text, message  # names the source
        assert "ThrottlingException" in text or "InternalServerError" in text or "deadline" in text, message
    assert result.worst < read_settings({}).timeout + MARGIN


# --- Slow AWS: a hung call cannot eat the init phase ------------------------------------


def test_a_call_that_hangs_once_is_cut_by_the_read_timeout_and_retried(
    stage: list[str], moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = HangOnceProxy(moto_endpoint, hang=3.0, only=("secretsmanager.",))
    with through(proxy, monkeypatch):
        report = lambda_bootstrap.load()
    assert proxy.hung >= 1
    assert proxy.stats.requests["secretsmanager.GetSecretValue"] == 2
    assert report.retries == 1
    assert os.environ["DATABASE_URL"] == DATABASE_URL


@pytest.mark.parametrize("sources", ["ssm and a secret", "a secret only"])
def test_aws_hanging_on_every_call_ends_the_load_at_its_deadline(
    stage: list[str],
    moto_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    sources: str,
) -> None:
    if sources == "a secret only":  # one task: the deadline must hold without a second source too
        monkeypatch.delenv("BOOTSTRAP_SSM_PATH")
        monkeypatch.setenv("BOOTSTRAP_REQUIRED", "DATABASE_URL")
    monkeypatch.setenv("BOOTSTRAP_TIMEOUT", "2.5")  # hang 3 s > read timeout 2 s: a retry starts, then time is up
    with through(AwsProxy(moto_endpoint, hang=3.0, only=("secretsmanager.",)), monkeypatch):
        started = time.monotonic()
        with caplog.at_level(logging.DEBUG), pytest.raises(SourceUnavailableError) as raised:
            lambda_bootstrap.load()
        elapsed = time.monotonic() - started
    assert "secretsmanager:shop/prod/database" in str(raised.value)
    assert "BOOTSTRAP_TIMEOUT" in str(raised.value)
    assert elapsed < 2.5 + MARGIN
    assert_nothing_exported_or_leaked(raised.value, caplog, stage)


# --- A partial outage: one source down fails the whole cold start ------------------------


def test_one_source_down_fails_the_cold_start_naming_it_and_exports_nothing(
    stage: list[str], moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        through(AwsProxy(moto_endpoint, fault_rate=1.0, only=("secretsmanager.",), seed=1), monkeypatch) as proxy,
        caplog.at_level(logging.DEBUG),
        pytest.raises(SourceUnavailableError) as raised,
    ):
        lambda_bootstrap.load()
    assert proxy.stats.requests["AmazonSSM.GetParametersByPath"] == 1  # SSM answered: the outage is partial
    assert "secretsmanager:GetSecretValue on secretsmanager:shop/prod/database failed" in str(raised.value)
    assert "ssm:" not in str(raised.value)
    assert_nothing_exported_or_leaked(raised.value, caplog, stage)


# --- The deadline ends the work, not only load() ----------------------------------------------

DEADLINE_CHILD = """
import sys, time
import lambda_bootstrap
from testsupport.leaks import assert_nothing_leaked
started = time.monotonic()
try:
    lambda_bootstrap.load()
except lambda_bootstrap.SourceUnavailableError:
    print(started, time.monotonic(), flush=True)
    sys.exit(0)
sys.exit(1)
"""


@pytest.mark.e2e
def test_the_process_can_exit_within_a_second_of_the_deadline(
    stage: list[str], moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every call slowed to 1.5 s: 5 sequential pages cannot finish in 4 s, and nothing may outlive the load."""
    import subprocess
    import sys

    import boto3

    ssm = boto3.client("ssm", endpoint_url=moto_endpoint)
    for i in range(40):
        ssm.put_parameter(Name=f"/{APP}/{STAGE}/EXTRA_{i:02d}", Value=f"extra-{i}", Type="SecureString")
    with AwsProxy(moto_endpoint, latency=1.5) as proxy:
        env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url, "BOOTSTRAP_TIMEOUT": "4"}
        result = subprocess.run(
            [sys.executable, "-c", DEADLINE_CHILD], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        exited = time.monotonic()
    assert result.returncode == 0, result.stderr
    started, raised = map(float, result.stdout.split())  # CLOCK_MONOTONIC: one clock for the whole machine
    assert raised - started < 4 + 0.5
    assert exited - started < 4 + 1.0  # no worker thread or pending call kept the process alive
    assert proxy.stats.requests["AmazonSSM.GetParametersByPath"] <= 3  # no page started after the deadline
