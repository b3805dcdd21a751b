"""The one boto3 client factory: the cold start's clients and the operator tool's, made the same way.

boto3 is imported here lazily, so a process with no AWS source configured
(local development) never imports it and never opens a socket.

botocore logs request headers, bodies and body digests at DEBUG, and Zappa's
``log_level: DEBUG`` sets the root logger to DEBUG: credentials and values
would reach CloudWatch. So the first client made here silences the SDK's
loggers below INFO first (log_hygiene.py says which and why).

botocore's own retries are off (``total_max_attempts=1``): :mod:`.retry`
retries, deadline-aware. An https client loads its CA bundle into its TLS
context once (:func:`_load_ca_bundle_once`), not at each new connection. A
client that cannot be made (a misspelt ``AWS_PROFILE``, a malformed
``AWS_ENDPOINT_URL``) is a ConfigurationError naming the setting to fix.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any, Literal, overload

from .errors import ConfigurationError
from .log_hygiene import silence_aws_wire_logging

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_kms.client import KMSClient
    from mypy_boto3_lambda.client import LambdaClient
    from mypy_boto3_rds.client import RDSClient
    from mypy_boto3_secretsmanager.client import SecretsManagerClient
    from mypy_boto3_ssm.client import SSMClient
    from mypy_boto3_sts.client import STSClient

__all__ = ["Clients", "default_clients", "endpoint_setting", "profile_name"]

# The cold path's timeouts: inside Lambda's 10 s init, one slow connection must not eat the deadline.
COLD_CONNECT_TIMEOUT = 1.0
COLD_READ_TIMEOUT = 2.0
MAX_POOL_CONNECTIONS = 32


class Clients:
    """boto3 clients by service name, made on first use from one session, reused afterwards.

    One per bootstrap: a warm invocation's refresh reuses the clients (and their open
    connections) of the cold start. The operator tool makes its own, with a region and
    longer timeouts. :meth:`renew` drops clients and credentials but keeps botocore's
    parsed service models (after a SnapStart restore: fresh credentials, no re-parse).
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        connect_timeout: float = COLD_CONNECT_TIMEOUT,
        read_timeout: float = COLD_READ_TIMEOUT,
        max_pool_connections: int = MAX_POOL_CONNECTIONS,
    ) -> None:
        self.region = region
        self._timeouts = (connect_timeout, read_timeout, max_pool_connections)
        self._lock = threading.Lock()  # boto3 sessions are not thread-safe; clients are.
        self._clients: dict[str, Any] = {}
        self._session: Any = None
        self._loader: Any = None

    @overload
    def __call__(self, service: Literal["secretsmanager"]) -> SecretsManagerClient: ...
    @overload
    def __call__(self, service: Literal["ssm"]) -> SSMClient: ...
    @overload
    def __call__(self, service: Literal["rds"]) -> RDSClient: ...
    @overload
    def __call__(self, service: Literal["lambda"]) -> LambdaClient: ...
    @overload
    def __call__(self, service: Literal["sts"]) -> STSClient: ...
    @overload
    def __call__(self, service: Literal["iam"]) -> IAMClient: ...
    @overload
    def __call__(self, service: Literal["ec2"]) -> EC2Client: ...
    @overload
    def __call__(self, service: Literal["kms"]) -> KMSClient: ...
    @overload
    def __call__(self, service: str) -> Any: ...
    def __call__(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is not None:
            return client
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._make(service)
            return self._clients[service]

    def session(self) -> Any:
        """The boto3 session every client here comes from: one credential chain per container."""
        with self._lock:
            return self._session_locked()

    def renew(self) -> None:
        """Forget clients, connections and credentials; keep the parsed service models (they never change)."""
        with self._lock:
            if self._session is not None:
                self._loader = self._session._session.get_component("data_loader")
            for client in self._clients.values():
                client.close()  # its pooled sockets: a snapshot must hold none
            self._clients.clear()
            self._session = None

    def forget(self) -> None:
        """Drop everything, as a fresh process would (tests and benchmarks)."""
        with self._lock:
            self._clients.clear()
            self._session = None
            self._loader = None

    def _make(self, service: str) -> Any:
        from botocore.config import Config

        connect, read, pool = self._timeouts
        config = Config(
            connect_timeout=connect,
            read_timeout=read,
            retries={"total_max_attempts": 1},  # retry.call_aws retries, deadline-aware
            max_pool_connections=pool,
        )
        silence_aws_wire_logging()
        try:
            client = self._session_locked().client(service, region_name=self.region, config=config)
        except Exception as exc:
            raise _setup_error(service, exc) from None
        if not str(client.meta.endpoint_url).startswith(("https://", "http://")):
            raise ConfigurationError(
                f"cannot make a {service} client: the endpoint in {endpoint_setting(service)} is neither https nor http"
            )
        _load_ca_bundle_once(client)
        return client

    def _session_locked(self) -> Any:
        if self._session is None:
            import boto3
            import botocore.session

            core = botocore.session.Session()
            if self._loader is not None:
                core.register_component("data_loader", self._loader)
            self._session = boto3.session.Session(botocore_session=core, region_name=self.region)
        return self._session


def _load_ca_bundle_once(client: Any) -> None:
    """Put the client's CA bundle into its TLS context now, so that no new connection loads it again.

    botocore gives urllib3 the bundle's path for each request, and urllib3 loads it into the
    client's one SSL context at every new connection: certifi's ~140 roots parsed again, 13 ms
    each here, serialised on the context's certificate store. A load with 20 secrets opens 21
    connections at once and paid it 21 times (``bin/bench --tls``). Loaded once here,
    connections through this context are given no path: they verify as before (CERT_REQUIRED,
    the same roots, the host name checked). Plain http, verification off, a proxy's own context
    or a botocore laid out otherwise: nothing changes.
    """
    from botocore.httpsession import URLLib3Session, get_cert_path

    http = getattr(getattr(client, "_endpoint", None), "http_session", None)
    if not isinstance(http, URLLib3Session) or not str(client.meta.endpoint_url).startswith("https://"):
        return
    verify = getattr(http, "_verify", None)
    context = getattr(getattr(http, "_manager", None), "connection_pool_kw", {}).get("ssl_context")
    setup = getattr(http, "_setup_ssl_cert", None)
    if not verify or context is None or setup is None:
        return
    bundle = get_cert_path(verify)
    if not isinstance(bundle, str) or not os.path.isfile(bundle):
        return
    try:
        context.load_verify_locations(cafile=bundle)
    except (OSError, ValueError):
        return  # each connection loads it, and fails, as botocore does

    def setup_ssl_cert(conn: Any, url: str, verify: Any) -> None:
        setup(conn, url, verify)
        if conn.ca_certs == bundle and getattr(conn, "conn_kw", {}).get("ssl_context") is context:
            conn.ca_certs = None  # already in the context: verified against the same roots

    http._setup_ssl_cert = setup_ssl_cert


def profile_name() -> str:
    """The profile in use, as messages name it."""
    name = os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
    return f"{name} (AWS_PROFILE)" if name else "default"


def endpoint_setting(service: str) -> str:
    """The variable that sets ``service``'s endpoint, as messages name it."""
    specific = f"AWS_ENDPOINT_URL_{service.upper()}"
    return specific if os.environ.get(specific) else "AWS_ENDPOINT_URL"


def _setup_error(service: str, exc: Exception) -> Exception:
    """botocore's set-up failures as a ConfigurationError naming the setting to fix, never a value."""
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    if isinstance(exc, ProfileNotFound):
        return ConfigurationError(
            f"cannot make a {service} client: profile {profile_name()} is in no AWS config file "
            "(check its spelling, or `aws configure --profile NAME`)"
        )
    if isinstance(exc, ValueError):  # botocore's text quotes the URL, which may carry user:password
        return ConfigurationError(
            f"cannot make a {service} client with profile {profile_name()}: the endpoint in "
            f"{endpoint_setting(service)} is malformed"
        )
    if isinstance(exc, BotoCoreError):
        return ConfigurationError(f"cannot make a {service} client with profile {profile_name()}: {type(exc).__name__}")
    return exc


default_clients = Clients()
