"""Shared fixtures. Fake AWS credentials are set here, at import, before any boto3 client exists."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testsupport.aws_env import use_fake_aws

use_fake_aws()  # before anything imports boto3

from lambda_bootstrap import loader  # noqa: E402
from testsupport.account import APP, SEEDED_KEYS, STAGE, FakeAccount  # noqa: E402
from testsupport.aws_calls import AwsCalls  # noqa: E402
from testsupport.clocks import FakeClock  # noqa: E402
from testsupport.moto_gaps import ProvisionedConcurrency  # noqa: E402
from testsupport.moto_server import moto_server as start_moto_server  # noqa: E402
from testsupport.moto_server import reset_moto  # noqa: E402


def _parse_each_service_model_once() -> None:
    """moto's mock_aws() gives every test a new boto3 session, which parses botocore's JSON models again.

    That was most of a unit test's time (~50-170 ms a client). The files do not change during a run and
    botocore already shares one parsed copy between the clients of a session, so share it between sessions.
    """
    from botocore.loaders import JSONFileLoader, Loader

    parse = JSONFileLoader.load_file
    parsed: dict[str, Any] = {}

    def load_file(self: JSONFileLoader, file_path: str) -> Any:
        if file_path not in parsed:
            parsed[file_path] = parse(self, file_path)
        return parsed[file_path]

    JSONFileLoader.load_file = load_file
    # Each new session's loader also lists botocore/data's ~450 service folders again (~10 ms a client).
    for name in ("list_available_services", "list_api_versions"):
        _share_between_loaders(Loader, name)


def _share_between_loaders(loader: type[Any], name: str) -> None:
    scan = getattr(loader, name)
    found: dict[tuple[Any, ...], Any] = {}

    def shared(self: Any, *args: str, **kwargs: str) -> Any:
        key = (tuple(self.search_paths), args, tuple(sorted(kwargs.items())))
        if key not in found:
            found[key] = scan(self, *args, **kwargs)
        return found[key]

    setattr(loader, name, shared)


_parse_each_service_model_once()


@pytest.fixture(autouse=True)
def _restore_environ() -> Iterator[None]:
    """load() writes os.environ for real; every test gets back the environment it started with."""
    before = dict(os.environ)
    loader.default().reset()
    yield
    loader.default().reset()
    os.environ.clear()
    os.environ.update(before)


@pytest.fixture(autouse=True)
def provisioned_concurrency(monkeypatch: pytest.MonkeyPatch) -> ProvisionedConcurrency:
    """AWS's answer to GetProvisionedConcurrencyConfig, which moto lacks (testsupport/moto_gaps.py)."""
    return ProvisionedConcurrency(monkeypatch)


@pytest.fixture
def account() -> Iterator[FakeAccount]:
    """A fake account (moto in this process) with its SSM and Secrets Manager clients."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield FakeAccount(boto3.client("ssm"), boto3.client("secretsmanager"))


@pytest.fixture
def stage_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment Zappa's handler sets for stage prod of app shop, with the bootstrap pointed at its SSM path."""
    for key in list(os.environ):
        if key.startswith("BOOTSTRAP_") or key in SEEDED_KEYS:
            monkeypatch.delenv(key)
    monkeypatch.setenv("PROJECT", APP)
    monkeypatch.setenv("STAGE", STAGE)
    monkeypatch.setenv("BOOTSTRAP_SSM_PATH", "/{app}/{stage}/")


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The process's bootstrap and every CLI run (tests/cli/tooling.py) on a fake clock: back-off costs no time."""
    from tests.cli import tooling

    clock = FakeClock()
    monkeypatch.setattr(loader.default(), "clock", clock)
    monkeypatch.setattr(loader.default(), "sleep", clock.sleep)
    monkeypatch.setattr(tooling, "CLOCK", clock)
    return clock


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> AwsCalls:
    from botocore.client import BaseClient

    recorder = AwsCalls()
    monkeypatch.setattr(BaseClient, "_make_api_call", recorder.wrap(BaseClient._make_api_call))
    return recorder


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's real HTTP server on a free loopback port, for code in other processes."""
    with start_moto_server() as url:
        yield url


@pytest.fixture
def moto_endpoint(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An emptied moto server that every boto3 client in this process (and children) talks to."""
    reset_moto(moto_server)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    return moto_server


# What makes a test end to end, by what it uses: moto's real server, PostgreSQL, Zappa and packaged zips
# (everything under tests/deploy/). Tests that start a fresh interpreter say so with @pytest.mark.e2e.
_E2E_FIXTURES = frozenset({"moto_server", "postgres_url", "e2e_database_url"})
_E2E_FOLDERS = ("deploy",)


def pytest_itemcollected(item: pytest.Item) -> None:
    folder = item.path.relative_to(Path(__file__).parent).parts[0]
    if folder in _E2E_FOLDERS or _E2E_FIXTURES & set(getattr(item, "fixturenames", ())):
        item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def test_database_url() -> str:
    """The throwaway PostgreSQL that bin/test starts (never SQLite, never a mock)."""
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.fail("TEST_DATABASE_URL is not set: run the suite with bin/test, which starts a throwaway PostgreSQL")
    return os.environ["TEST_DATABASE_URL"]


@pytest.fixture
def postgres_url(test_database_url: str) -> str:
    return test_database_url


@pytest.fixture
def clocks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """IAM database tokens on a clock of the test's: rds_auth's monotonic clock and botocore's signing time."""
    import botocore.auth

    from lambda_bootstrap import rds_auth
    from testsupport.clocks import SigningClocks

    clocks = SigningClocks()
    monkeypatch.setattr(rds_auth, "clock", clocks.monotonic)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", clocks.signing_time)
    rds_auth.forget_tokens()
    yield clocks
    rds_auth.forget_tokens()
