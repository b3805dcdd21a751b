"""AWS for the tooling: one session in the stage's region, every call through ``retry.call_aws``.

So a denied call names the resource and the IAM action, throttling and 5xx are
retried with the bootstrap's back-off, and a dead endpoint gives up with a
message instead of hanging. Timeouts are longer than on the cold path: this
runs on a laptop or a CI runner, not inside Lambda's 10 s init.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..fetch import fetch_entries
from ..keys import ssm_entries, ssm_env_key
from ..log_hygiene import silence_aws_wire_logging
from ..merge import Entry, merge
from ..retry import LoadRun
from ..sources import Source
from ..ssm import read_path

__all__ = ["Aws", "SsmParameter"]

T = TypeVar("T")

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
CALL_DEADLINE = 60.0


@dataclass(frozen=True)
class SsmParameter:
    name: str
    value: str

    def __repr__(self) -> str:
        return f"SsmParameter(name={self.name!r})"


@dataclass
class Aws:
    region: str
    max_attempts: int
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                retries={"total_max_attempts": 1},  # call_aws retries
            )
            silence_aws_wire_logging()  # request bodies hold the values push writes
            self._clients[service] = boto3.session.Session(region_name=self.region).client(service, config=config)
        return self._clients[service]

    def run(self) -> LoadRun:
        """A fresh deadline and retry budget, as one cold-start load has."""
        return LoadRun(CALL_DEADLINE, max_attempts=self.max_attempts, throttled_attempts=self.max_attempts)

    def call(self, operation: Callable[[], T], *, resource: str, action: str) -> T:
        return self.run().call(operation, resource=resource, action=action)

    def fetch(self, sources: Sequence[Source]) -> list[Entry]:
        """What the cold start would read from ``sources``, through the same fetch path."""
        return fetch_entries(sources, self.client, self.run())

    def ssm_parameters(self, path: str) -> dict[str, SsmParameter]:
        """Every parameter under ``path`` by the env key it loads as; none is not an error here."""
        found = read_path(self.client("ssm"), path, self.run())
        merge(ssm_entries(found, path, f"ssm:{path}"))  # the bootstrap's checks: bad names, two names on one key
        return {ssm_env_key(name, path): SsmParameter(name, value) for name, value in found}
