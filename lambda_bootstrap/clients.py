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

from .log_hygiene import drop_body_logging

__all__ = ["CONNECT_TIMEOUT", "READ_TIMEOUT", "drop_body_logging", "forget_clients", "get_client"]

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 2.0
MAX_POOL_CONNECTIONS = 32

_lock = threading.Lock()
_clients: dict[str, Any] = {}


def get_client(service: str) -> Any:
    """The cached client for ``service`` ("ssm" or "secretsmanager")."""
    client = _clients.get(service)
    if client is not None:
        return client
    with _lock:  # boto3 sessions are not thread-safe; clients are.
        if service not in _clients:
            from botocore.config import Config

            config = Config(
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                retries={"total_max_attempts": 1},  # retry.call_aws retries, deadline-aware
                max_pool_connections=MAX_POOL_CONNECTIONS,
            )
            drop_body_logging()
            _clients[service] = _session().client(service, config=config)
        return _clients[service]


def forget_clients() -> None:
    """Drop cached clients (tests and benchmarks: behave as a fresh container)."""
    with _lock:
        _clients.clear()
        _sessions.clear()


_sessions: list[Any] = []


def _session() -> Any:
    if not _sessions:
        import boto3

        _sessions.append(boto3.session.Session())
    return _sessions[0]
