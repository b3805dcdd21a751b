"""A stand-in for Lambda's Runtime API, enough for AWS's runtime interface client (awslambdaric).

It serves the four routes a runtime uses (AWS Lambda Runtime API, 2018-06-01):

- ``GET  /2018-06-01/runtime/invocation/next``: the next event, with the
  headers the client needs (request id, deadline, function ARN, trace id; the
  client receives an event without a trace id but never answers it);
- ``POST /2018-06-01/runtime/invocation/<id>/response``: the handler's result;
- ``POST /2018-06-01/runtime/invocation/<id>/error``: an invocation's error
  (``errorMessage``, ``errorType``, ``stackTrace``: what an invoker gets);
- ``POST /2018-06-01/runtime/init/error``: the init phase failed (then the
  client exits);
- with SnapStart (``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``):
  ``GET /2018-06-01/runtime/restore/next``, which the client calls once its
  before-snapshot hooks have run (the snapshot point) and which is answered
  only when the test restores the environment (:meth:`RuntimeApi.restore`),
  and ``POST /2018-06-01/runtime/restore/error``: an after-restore hook
  failed (then the client exits).

Everything posted is kept byte for byte (``posted``): it goes to the invoker
and to CloudWatch, so tests scan it like the logs. When the events run out,
``next`` blocks (as Lambda freezes the container) and :meth:`wait_idle` returns.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Posted", "RuntimeApi", "runtime_api"]

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{name}"


@dataclass(frozen=True)
class Posted:
    path: str
    kind: str  # "response", "error", "init-error" or "restore-error"
    request_id: str | None
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RuntimeApi:
    function_name: str
    timeout_seconds: int
    events: list[dict[str, Any]]
    posted: list[Posted] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _next: int = 0
    _idle: threading.Event = field(default_factory=threading.Event)
    snapshot: threading.Event = field(default_factory=threading.Event)  # the client asked for restore/next
    _restored: threading.Event = field(default_factory=threading.Event)
    _closed: bool = False
    address: str = ""

    def next_invocation(self) -> tuple[str, dict[str, Any]] | None:
        """The next event and its request id; None (after blocking until close) when there is none."""
        with self._lock:
            if self._next >= len(self.events):
                self._idle.set()
                self._lock.wait_for(lambda: self._closed)
                return None
            event = self.events[self._next]
            self._next += 1
            request_id = str(uuid.uuid4())
            self.request_ids.append(request_id)
            return request_id, event

    def wait_for_restore(self) -> bool:
        """At the snapshot point: block until the test restores the environment (False when closed first)."""
        self.snapshot.set()
        while not self._restored.wait(0.1):
            if self._closed:
                return False
        return True

    def restore(self) -> None:
        """Answer restore/next: the environment is restored from its snapshot."""
        self._restored.set()

    def post(self, posted: Posted) -> None:
        with self._lock:
            self.posted.append(posted)
            if posted.kind in {"init-error", "restore-error"}:
                self._idle.set()

    def wait_idle(self, timeout: float) -> bool:
        """True once the runtime asked for an event past the last one, or reported an init error."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    def by_kind(self, kind: str) -> list[Posted]:
        return [posted for posted in self.posted if posted.kind == kind]

    def outcome(self, request_id: str) -> Posted | None:
        return next((p for p in self.posted if p.request_id == request_id), None)


def _handler(api: RuntimeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the request lines are the client's business, not the test's output

        def do_GET(self) -> None:
            if self.path == f"{PREFIX}/restore/next":
                if api.wait_for_restore():
                    self._answer(200, {})
                else:
                    self._answer(410, {"errorMessage": "the container is being shut down"})
                return
            if self.path != f"{PREFIX}/invocation/next":
                self._answer(404, {"errorMessage": "unknown route"})
                return
            nxt = api.next_invocation()
            if nxt is None:
                self._answer(410, {"errorMessage": "the container is being shut down"})
                return
            request_id, event = nxt
            deadline_ms = int((time.time() + api.timeout_seconds) * 1000)
            self._answer(
                200,
                event,
                {
                    "Lambda-Runtime-Aws-Request-Id": request_id,
                    "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN.format(name=api.function_name),
                    "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):x}-{uuid.uuid4().hex[:24]};Sampled=0",
                },
            )

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name: value for name, value in self.headers.items()}
            parts = self.path.removeprefix(PREFIX).strip("/").split("/")
            if parts == ["init", "error"]:
                api.post(Posted(self.path, "init-error", None, headers, body))
            elif parts == ["restore", "error"]:
                api.post(Posted(self.path, "restore-error", None, headers, body))
            elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in {"response", "error"}:
                api.post(Posted(self.path, parts[2], parts[1], headers, body))
            else:
                self._answer(404, {"errorMessage": "unknown route"})
                return
            self._answer(202, {"status": "OK"})

        def _answer(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # stopped while waiting for an event
                self.wfile.write(data)

    return Handler


@contextmanager
def runtime_api(function_name: str, timeout_seconds: int, events: list[dict[str, Any]]) -> Iterator[RuntimeApi]:
    """A Runtime API on a free loopback port serving ``events`` in order; ``address`` is host:port."""
    api = RuntimeApi(function_name, timeout_seconds, list(events))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    host, port = server.server_address[:2]
    api.address = f"{host!s}:{port}"
    thread = threading.Thread(target=server.serve_forever, name="runtime-api", daemon=True)
    thread.start()
    try:
        yield api
    finally:
        api.close()
        server.shutdown()
        server.server_close()
