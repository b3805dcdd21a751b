"""boto3 clients, made once per container and reused by every later refresh.

boto3 is imported here lazily, so a process with no AWS source configured
(local development) never imports it and never opens a socket.

botocore logs request headers, bodies and body digests at DEBUG, and Zappa's
``log_level: DEBUG`` sets the root logger to DEBUG: credentials and values
would reach CloudWatch. So the first client made here silences the SDK's
loggers below INFO first (log_hygiene.py says which and why).
"""

from __future__ import annotations

import threading
from typing import Any

from .log_hygiene import silence_aws_wire_logging

__all__ = [
    "CONNECT_TIMEOUT",
    "READ_TIMEOUT",
    "Clients",
    "default_clients",
    "forget_clients",
    "get_client",
]

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 2.0
MAX_POOL_CONNECTIONS = 32


class Clients:
    """boto3 clients by service name, made on first use with the cold path's timeouts.

    One per bootstrap: a warm invocation's refresh reuses the clients (and their
    open connections) of the cold start. Tests inject their own callable instead.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # boto3 sessions are not thread-safe; clients are.
        self._clients: dict[str, Any] = {}
        self._session: Any = None

    def __call__(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is not None:
            return client
        with self._lock:
            if service not in self._clients:
                from botocore.config import Config

                config = Config(
                    connect_timeout=CONNECT_TIMEOUT,
                    read_timeout=READ_TIMEOUT,
                    retries={"total_max_attempts": 1},  # retry.call_aws retries, deadline-aware
                    max_pool_connections=MAX_POOL_CONNECTIONS,
                )
                silence_aws_wire_logging()
                try:
                    client = self._session_locked().client(service, config=config)
                except Exception as exc:  # a misspelt AWS_PROFILE, a malformed AWS_ENDPOINT_URL: ours, by name
                    raise _setup_error(service, exc) from None
                if not str(client.meta.endpoint_url).startswith(("https://", "http://")):
                    raise _setup_error(service, ValueError("the endpoint's scheme is neither https nor http"))
                self._clients[service] = client
            return self._clients[service]

    def session(self) -> Any:
        """The boto3 session every client here comes from: one credential chain per container."""
        with self._lock:
            return self._session_locked()

    def _session_locked(self) -> Any:
        if self._session is None:
            import boto3

            self._session = boto3.session.Session()
        return self._session

    def forget(self) -> None:
        """Drop the clients and the session (a fresh container: tests and benchmarks)."""
        with self._lock:
            self._clients.clear()
            self._session = None


default_clients = Clients()


def get_client(service: str) -> Any:
    """The default bootstrap's client for ``service``."""
    return default_clients(service)


def forget_clients() -> None:
    """Drop the default clients (tests and benchmarks: behave as a fresh container)."""
    default_clients.forget()


def _setup_error(service: str, exc: Exception) -> Exception:
    """botocore's set-up failures as a ConfigurationError naming the setting to fix."""
    from botocore.exceptions import ProfileNotFound

    from .errors import ConfigurationError

    if isinstance(exc, ProfileNotFound):
        return ConfigurationError(
            f"cannot make a {service} client: the profile in AWS_PROFILE is in no AWS config file"
        )
    if isinstance(exc, ValueError):
        return ConfigurationError(
            f"cannot make a {service} client: AWS_ENDPOINT_URL (or its _{service.upper()} form) is malformed"
        )
    return exc
