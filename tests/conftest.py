"""Shared fixtures. Fake AWS credentials are set here, at import, before any boto3 client exists."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from testsupport.aws_env import use_fake_aws

use_fake_aws()  # before anything imports boto3

import lambda_bootstrap  # noqa: E402
from testsupport.aws_calls import AwsCalls  # noqa: E402
from testsupport.moto_server import moto_server as start_moto_server  # noqa: E402
from testsupport.moto_server import reset_moto  # noqa: E402


@pytest.fixture(autouse=True)
def _restore_environ() -> Iterator[None]:
    """load() writes os.environ for real; every test gets back the environment it started with."""
    before = dict(os.environ)
    lambda_bootstrap.reset()
    yield
    lambda_bootstrap.reset()
    os.environ.clear()
    os.environ.update(before)


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
