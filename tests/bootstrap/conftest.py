"""moto-backed fixtures for the bootstrap: a fake account, seeded per test."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws

from testsupport.leaks import assert_nothing_leaked

APP = "shop"
STAGE = "prod"
PATH = f"/{APP}/{STAGE}/"
# Keys the tests seed, which tests/django_settings.py also put in the process environment.
SEEDED_KEYS = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}


@dataclass
class FakeAccount:
    """Seeds SSM and Secrets Manager, remembering every value so tests can assert none leaks."""

    ssm: Any
    secrets: Any
    seeded_values: list[str] = field(default_factory=list)

    def parameter(self, name: str, value: str, kind: str = "SecureString") -> None:
        self.ssm.put_parameter(Name=name, Value=value, Type=kind, Overwrite=True)
        self.seeded_values.append(value)

    def parameters(self, values: dict[str, str], kind: str = "SecureString") -> None:
        for relative, value in values.items():
            self.parameter(PATH + relative, value, kind)

    def secret(self, name: str, value: str | dict[str, Any] | bytes) -> None:
        if isinstance(value, bytes):
            self.secrets.create_secret(Name=name, SecretBinary=value)
            self.seeded_values.append(value.decode("latin-1"))
            return
        text = value if isinstance(value, str) else json.dumps(value)
        self.secrets.create_secret(Name=name, SecretString=text)
        if isinstance(value, dict):
            self.seeded_values.extend(str(v) for v in value.values() if len(str(v)) >= 6)
        else:
            self.seeded_values.append(text)

    def assert_nothing_leaked(self, *texts: str) -> None:
        """No seeded value (of 6+ characters, so not a port or a bare word), in any form, is in any text."""
        assert_nothing_leaked(self.seeded_values, *texts)


@pytest.fixture
def account() -> Iterator[FakeAccount]:
    with mock_aws():
        yield FakeAccount(boto3.client("ssm"), boto3.client("secretsmanager"))


@pytest.fixture
def stage_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment Zappa's handler sets for stage prod, with the bootstrap pointed at it."""
    for key in list(os.environ):
        if key.startswith("BOOTSTRAP_") or key in SEEDED_KEYS:
            monkeypatch.delenv(key)
    monkeypatch.setenv("PROJECT", APP)
    monkeypatch.setenv("STAGE", STAGE)
    monkeypatch.setenv("BOOTSTRAP_SSM_PATH", "/{app}/{stage}/")


@dataclass
class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps: back-off costs no time."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Every load of the default bootstrap, and every CLI call, runs on a fake clock (deadline, back-off, TTLs)."""
    from lambda_bootstrap import loader
    from lambda_bootstrap.cli import aws as cli_aws
    from lambda_bootstrap.retry import LoadRun

    clock = FakeClock()

    def run_factory(settings: Any) -> LoadRun:
        return LoadRun(settings.timeout, max_attempts=settings.max_attempts, clock=clock, sleep=clock.sleep)

    monkeypatch.setattr(loader._default, "_run_factory", run_factory)
    monkeypatch.setattr(loader._default, "_clock", clock)
    monkeypatch.setattr(cli_aws, "LoadRun", functools.partial(LoadRun, clock=clock, sleep=clock.sleep))
    return clock
