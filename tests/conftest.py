"""Shared fixtures. Fake AWS credentials are set here, at import, before any boto3 client exists."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

_FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
os.environ.update(_FAKE_AWS)
for _key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
    os.environ.pop(_key, None)

import lambda_bootstrap  # noqa: E402


@pytest.fixture(autouse=True)
def _restore_environ() -> Iterator[None]:
    """load() writes os.environ for real; every test gets back the environment it started with."""
    before = dict(os.environ)
    lambda_bootstrap.reset()
    yield
    lambda_bootstrap.reset()
    os.environ.clear()
    os.environ.update(before)


@dataclass
class _Fault:
    operation: str
    code: str
    status: int
    message: str
    times: int | None


@dataclass
class AwsCalls:
    """Counts every boto3 API call in this process, and injects AWS errors on request.

    It wraps botocore's ``BaseClient._make_api_call``: each call is counted
    whatever client made it, and an injected fault raises the same ClientError
    botocore raises when AWS answers with that error.
    """

    counts: Counter[str] = field(default_factory=Counter)
    _faults: list[_Fault] = field(default_factory=list)
    _rewrites: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def reset(self) -> None:
        self.counts.clear()

    def fail(
        self, operation: str, code: str, *, status: int = 400, message: str = "", times: int | None = None
    ) -> None:
        """Answer ``operation`` with AWS error ``code`` (``times`` times, or always)."""
        self._faults.append(_Fault(operation, code, status, message or f"injected {code}", times))

    def rewrite(self, operation: str, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        """Answer ``operation`` with ``change(AWS's answer)``: HTTP 200, but not what was asked."""
        self._rewrites[operation] = change

    def answer(self, operation: str, answer: dict[str, Any]) -> dict[str, Any]:
        change = self._rewrites.get(operation)
        return answer if change is None else change(answer)

    def intercept(self, operation: str) -> None:
        from botocore.exceptions import ClientError

        self.counts[operation] += 1
        for fault in self._faults:
            if fault.operation == operation and fault.times != 0:
                if fault.times is not None:
                    fault.times -= 1
                raise ClientError(
                    {
                        "Error": {"Code": fault.code, "Message": fault.message},
                        "ResponseMetadata": {"HTTPStatusCode": fault.status},
                    },
                    operation,
                )


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> AwsCalls:
    from botocore.client import BaseClient

    recorder = AwsCalls()
    original = BaseClient._make_api_call

    def counted(self: Any, operation_name: str, api_params: Any) -> Any:
        recorder.intercept(operation_name)
        return recorder.answer(operation_name, original(self, operation_name, api_params))

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    return recorder


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's real HTTP server on a free loopback port, for code in other processes."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto_endpoint(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An emptied moto server that every boto3 client in this process (and children) talks to."""
    from tests.stage import reset_moto

    reset_moto(moto_server)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    return moto_server
