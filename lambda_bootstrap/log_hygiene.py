"""Keep credentials, values and their digests out of every log line, at every level.

Zappa sets the root logger to the stage's ``log_level``. At DEBUG, the AWS SDK
logs what it sends and receives: ``botocore.auth`` the canonical request (the
``x-amz-security-token`` header included) and the SHA-256 of every request
body (a short value is recovered from its digest by brute force),
``botocore.endpoint`` and ``botocore.parsers`` the bodies (the values the
bootstrap fetches and ``push`` writes), ``urllib3.connectionpool`` the request
line. Zappa's own handler logs every event (headers, cookies, query string,
body) when its ``debug`` is on, and its access log prints the query string at
INFO.

:func:`silence_aws_wire_logging` sets the SDK's logger trees (:data:`SILENCED_TREES`)
to INFO, so none of their loggers, present or future, emits a DEBUG record
unless someone sets a level on it explicitly; and it puts a filter dropping
records below INFO on each logger known to carry secrets (:data:`CARRIERS`),
which holds even then. The bootstrap calls it before it makes its first client
and the CLI before its first AWS call; the Lambda settings module calls
:func:`install` (both parts) before the bootstrap runs. It is process-wide and
permanent: a container or a CLI run never needs the SDK's wire log back.

:func:`redact_zappa_logging` rewrites Zappa's event record to the event's
shape (which keys, how many headers) with no header, cookie, query string or
body, drops Zappa's other DEBUG records that print function results, and cuts
the query string out of the access log. docs/logging.md lists what each stage
logs.
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = [
    "CARRIERS",
    "SILENCED_TREES",
    "ZAPPA_LOGGERS",
    "install",
    "redact_zappa_logging",
    "silence_aws_wire_logging",
]

# Every logger under these names stays at INFO or above (the level is inherited).
SILENCED_TREES = ("botocore", "boto3", "urllib3", "s3transfer")

# Loggers whose DEBUG records carry (or can carry) a secret; read from botocore 1.44.8
# and urllib3 2.x, and checked by tests/bootstrap/test_log_hygiene.py against real calls.
CARRIERS: dict[str, str] = {
    "botocore.auth": "canonical request with every signed header (the session token), string to sign, body SHA-256",
    "botocore.endpoint": "the request dict: URL, headers and body (the values written)",
    "botocore.parsers": "response headers and body (the values fetched)",
    "botocore.hooks": "event handlers' arguments",
    "botocore.retryhandler": "responses and exceptions it retries on",
    "botocore.httpsession": "exceptions carrying the request",
    "botocore.awsrequest": "the body of a rewound request stream",
    "botocore.utils": "instance metadata answers (credentials) and rewritten URLs",
    "botocore.credentials": "credential provider answers",
    "botocore.endpoint_provider": "endpoint resolution parameters",
    "urllib3.connectionpool": "the request line (path and query string)",
    "urllib3.connection": "the request target",
    "urllib3.util.retry": "the failed request",
}

# Zappa's handler module: "handler" when Lambda imports the zip's handler.py.
ZAPPA_HANDLER_LOGGERS = ("handler", "zappa.handler")
ZAPPA_ACCESS_LOGGER = "zappa.wsgi"
ZAPPA_LOGGERS = (*ZAPPA_HANDLER_LOGGERS, ZAPPA_ACCESS_LOGGER)

# Event keys whose value is shape, not content: logged as they are.
_EVENT_KEYS_SHOWN = ("httpMethod", "path", "resource", "source", "detail-type", "version", "routeKey")
# Zappa's DEBUG lines that print nothing from the request but the host (not secret).
_ZAPPA_DEBUG_KEPT = ("host found: [", "amazonaws found in host")
_EVENT_PREFIX = "Zappa Event: "
# The request line runs from '"METHOD ' to the last ' HTTP/x.y"': a path may hold spaces and quotes.
_QUERY_IN_REQUEST_LINE = re.compile(r'("[A-Z]+ [^?]*?)\?.*( HTTP/[0-9.]+")')
_QUERY_IN_REFERER = re.compile(r'("https?://[^"?]*)\?[^"]*(")')


class _BelowInfoDropped(logging.Filter):
    """Drops DEBUG (and lower) records; INFO and above pass untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


class _ZappaEventRedacted(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.INFO:
            return True
        message = _message(record)
        if message is None:
            return False
        if message.startswith(_EVENT_PREFIX):
            _replace(record, _EVENT_PREFIX + _event_shape(message[len(_EVENT_PREFIX) :]))
            return True
        return message.startswith(_ZAPPA_DEBUG_KEPT)


class _AccessLogQueryRedacted(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = _message(record)
        if message is None:
            return False
        redacted = _QUERY_IN_REFERER.sub(r"\1\2", _QUERY_IN_REQUEST_LINE.sub(r"\1?<redacted>\2", message))
        if redacted != message:
            _replace(record, redacted)
        return True


def silence_aws_wire_logging() -> None:
    """Keep the AWS SDK's loggers at INFO and above, whatever the root logger's level (idempotent)."""
    for tree in SILENCED_TREES:
        logger = logging.getLogger(tree)
        if logger.level < logging.INFO:  # NOTSET (inherit) or lower
            logger.setLevel(logging.INFO)
    for name in (*SILENCED_TREES, *CARRIERS):
        _add_once(logging.getLogger(name), _BelowInfoDropped)


def redact_zappa_logging() -> None:
    """Zappa's event log without headers, cookies, query or body; its access log without query strings."""
    for name in ZAPPA_HANDLER_LOGGERS:
        _add_once(logging.getLogger(name), _ZappaEventRedacted)
    _add_once(logging.getLogger(ZAPPA_ACCESS_LOGGER), _AccessLogQueryRedacted)


def install() -> None:
    """Both: what a Lambda container needs before its first AWS call and its first event."""
    silence_aws_wire_logging()
    redact_zappa_logging()


def _add_once(logger: logging.Logger, kind: type[logging.Filter]) -> None:
    if not any(isinstance(existing, kind) for existing in logger.filters):
        logger.addFilter(kind())


def _message(record: logging.LogRecord) -> str | None:
    try:
        return record.getMessage()
    except Exception:  # a record that cannot be formatted is dropped, never printed raw
        return None


def _replace(record: logging.LogRecord, message: str) -> None:
    record.msg, record.args = message, ()


def _event_shape(text: str) -> str:
    """The event's keys, a few harmless values, and counts: nothing a caller sent."""
    import ast  # only where Zappa logs events (debug on): not on every cold path

    try:
        event: Any = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return "<not logged: not a plain event>"
    if not isinstance(event, dict):
        return f"<not logged: a {type(event).__name__}>"
    shape: dict[str, object] = {}
    for key, value in event.items():
        if key in _EVENT_KEYS_SHOWN and isinstance(value, str | int | None):
            shape[str(key)] = value.split("?", 1)[0] if isinstance(value, str) else value
        elif isinstance(value, dict):
            shape[str(key)] = f"<redacted: {len(value)} entries>"
        elif value is None or isinstance(value, bool):
            shape[str(key)] = value
        else:
            shape[str(key)] = "<redacted>"
    return repr(shape)
