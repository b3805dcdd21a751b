"""A loopback HTTP proxy in front of moto's server that adds latency and injects faults.

Real HTTP, so it works for any process whose boto3 points at it
(``AWS_ENDPOINT_URL``): a benchmark's fresh processes, a Zappa handler in a
subprocess. Each request is delayed by ``latency`` seconds (a simulated network
round trip), then, with probability ``fault_rate``, answered with an AWS-style
error instead of being forwarded: ``ThrottlingException`` (HTTP 400) or
``InternalServerError`` (HTTP 500), in the JSON protocol SSM and Secrets
Manager speak. ``hang`` delays matching requests past any sane read timeout.
``tamper`` rewrites moto's successful JSON answers (an answer of HTTP 200 that
is not what was asked: a name left out, a page emptied).
``replay`` answers a request seen before (same operation, same body) with
moto's earlier answer instead of asking moto again: moto computes answers one
at a time under one interpreter lock, AWS in parallel, so without it fifteen
concurrent calls cost fifteen times moto's work. Only for data that does not
change while the proxy runs (a benchmark's seeded stage).

``throttle`` meters requests as AWS does (``testsupport/token_bucket.py``, the rule
the burst simulator uses): each operation draws from its quota's token bucket
when the request arrives, and an empty bucket means ``ThrottlingException``
(after the same latency as any answer). ``reset_buckets()`` fills them again,
as before a new burst.

``tls`` serves https, as AWS does, with a certificate made for 127.0.0.1;
``ca_bundle`` is then a file of certifi's roots plus that certificate, for
``AWS_CA_BUNDLE``: a client loads as many roots as it does against AWS, so
what each new TLS connection costs a client is there too (not the server's
side: AWS's handshakes run on AWS's machines, these on this one).
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import ssl
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from testsupport.token_bucket import Quotas, TokenBucket

__all__ = ["AwsProxy", "ProxyStats"]

THROTTLE = ("ThrottlingException", 400, "Rate exceeded")
SERVER_ERROR = ("InternalServerError", 500, "Internal server error")


@dataclass
class ProxyStats:
    requests: Counter[str] = field(default_factory=Counter)  # by X-Amz-Target operation
    faults: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)  # by operation, from ``throttle``'s buckets
    busy: float = 0.0  # seconds spent answering, all requests together
    connections: int = 0  # accepted: each one a client's new connection

    @property
    def mean_seconds(self) -> float:
        """Mean time from a request's arrival to its answer."""
        return self.busy / self.total if self.total else 0.0

    @property
    def total(self) -> int:
        return sum(self.requests.values())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog is 5: a cold start's 30 concurrent connects
    # overflowed it, and the refused ones came back as client retries.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ssl.SSLError):
            return  # a client that refused the certificate: what tests of verification expect
        super().handle_error(request, client_address)


class AwsProxy:
    """``with AwsProxy(moto_url, latency=0.02) as proxy: ...`` then point boto3 at ``proxy.url``."""

    def __init__(
        self,
        upstream: str,
        *,
        latency: float = 0.0,
        fault_rate: float = 0.0,
        faults: tuple[tuple[str, int, str], ...] = (THROTTLE, SERVER_ERROR),
        hang: float = 0.0,
        replay: bool = False,
        only: tuple[str, ...] = (),
        seed: int | None = None,
        tamper: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
        throttle: Quotas | None = None,
        tls: bool = False,
    ) -> None:
        self.upstream = urlsplit(upstream)
        self.latency = latency
        self.fault_rate = fault_rate
        self.faults = faults
        self.hang = hang
        self.replay = replay
        self.tamper = tamper  # (operation, moto's JSON answer) -> the answer sent: HTTP 200, wrong body
        self._answers: dict[tuple[str, bytes], tuple[int, bytes, dict[str, str]]] = {}
        self.only = only  # operation-name prefixes the faults apply to ("AmazonSSM.", "secretsmanager.")
        self.stats = ProxyStats()
        self.throttle = throttle
        self._buckets: dict[str, TokenBucket] = {}
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.reset_buckets()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.ca_bundle: str | None = None
        self._tls_files: tempfile.TemporaryDirectory[str] | None = None
        if tls:
            self._serve_tls()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{'https' if self.ca_bundle else 'http'}://{host!s}:{port}"

    def __enter__(self) -> AwsProxy:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._tls_files is not None:
            self._tls_files.cleanup()

    def _serve_tls(self) -> None:
        import certifi

        self._tls_files = tempfile.TemporaryDirectory(prefix="aws-proxy-tls-")
        folder = Path(self._tls_files.name)
        certificate, key = _certificate_for_loopback()
        (folder / "cert.pem").write_bytes(certificate)
        (folder / "key.pem").write_bytes(key)
        bundle = folder / "bundle.pem"
        bundle.write_bytes(Path(certifi.where()).read_bytes() + b"\n" + certificate)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
        # Handshakes in each connection's thread (setup), not one after another in the accept loop.
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True, do_handshake_on_connect=False)
        self.ca_bundle = str(bundle)

    def reset_buckets(self) -> None:
        """Full buckets from now on (a new burst starts against an account that has been idle)."""
        import time

        with self._lock:
            self._buckets = self.throttle.buckets(time.monotonic()) if self.throttle else {}

    def _throttled(self, operation: str, arrived: float) -> bool:
        if self.throttle is None:
            return False
        name = self.throttle.bucket_of(operation)
        if name is None:
            return False
        with self._lock:
            if self._buckets[name].take(arrived):
                return False
            self.stats.throttled[operation] += 1
            return True

    def _pick_fault(self, operation: str) -> tuple[str, int, str] | None:
        if self.only and not operation.startswith(self.only):
            return None
        with self._lock:
            if self.fault_rate and self._random.random() < self.fault_rate:
                return self._random.choice(self.faults)
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                with proxy._lock:
                    proxy.stats.connections += 1
                if isinstance(self.request, ssl.SSLSocket):
                    self.request.do_handshake()
                super().setup()
                # Headers and body go out in two writes: with Nagle's algorithm on, the
                # body waits for the client's delayed ACK (~40 ms on Linux) on every call.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: object) -> None:  # quiet: no line per request
                pass

            def _relay(self) -> None:
                import time

                arrived = time.monotonic()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = self.headers.get("X-Amz-Target", f"{self.command} {self.path}")
                with proxy._lock:
                    proxy.stats.requests[operation] += 1
                throttled = proxy._throttled(operation, arrived)
                try:
                    self._answer_request(operation, body, throttled)
                finally:
                    with proxy._lock:
                        proxy.stats.busy += time.monotonic() - arrived

            def _answer_request(self, operation: str, body: bytes, throttled: bool) -> None:
                import time

                time.sleep(proxy.latency + (proxy.hang if proxy._hangs(operation) else 0.0))
                fault = THROTTLE if throttled else proxy._pick_fault(operation)
                if fault is not None:
                    code, status, message = fault
                    if not throttled:
                        with proxy._lock:
                            proxy.stats.faults[code] += 1
                    self._answer(status, json.dumps({"__type": code, "message": message}).encode(), {})
                    return
                answer = proxy._answers.get((operation, body)) if proxy.replay else None
                if answer is not None:
                    self._answer(*answer)
                    return
                upstream = http.client.HTTPConnection(proxy.upstream.hostname or "127.0.0.1", proxy.upstream.port)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "connection"}}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    payload = response.read()
                    passed = {
                        k: v
                        for k, v in response.getheaders()
                        if k.lower() not in {"transfer-encoding", "connection", "content-length"}
                    }
                    if proxy.tamper is not None and response.status == 200:
                        payload = json.dumps(proxy.tamper(operation, json.loads(payload))).encode()
                    if proxy.replay and response.status == 200:
                        with proxy._lock:
                            proxy._answers[(operation, body)] = (response.status, payload, passed)
                    self._answer(response.status, payload, passed)
                finally:
                    upstream.close()

            def _answer(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Type" not in headers:
                    self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _relay

        return Handler

    def _hangs(self, operation: str) -> bool:
        return bool(self.hang) and (not self.only or operation.startswith(self.only))


def _certificate_for_loopback() -> tuple[bytes, bytes]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key (PEM), valid for a day."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aws-proxy.localhost")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem
