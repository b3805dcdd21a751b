"""Zappa's own log lines, through log_hygiene's filters: the event's shape only, no query string.

Records are made as Zappa makes them (zappa/handler.py logs ``"Zappa Event:
{}".format(event)`` at DEBUG when ``debug`` is on, and its result lines;
zappa/wsgi.py logs the access line at INFO) on the loggers it uses, and
caught by a handler on the root logger as Lambda's would be.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from lambda_bootstrap import log_hygiene
from testsupport.lambda_events import api_gateway_event, manage_event
from testsupport.leaks import assert_nothing_leaked, canary


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.name} {record.getMessage()}")


@pytest.fixture
def collected() -> Iterator[Collect]:
    collect, root = Collect(), logging.getLogger()
    loggers = [root, *(logging.getLogger(name) for name in log_hygiene.ZAPPA_LOGGERS)]
    levels = [logger.level for logger in loggers]
    root.addHandler(collect)
    root.setLevel(logging.DEBUG)
    log_hygiene.redact_zappa_logging()
    yield collect
    root.removeHandler(collect)
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture
def secrets() -> dict[str, str]:
    return {name: canary(name) for name in ("bearer", "cookie", "api-key", "query", "body", "manage")}


@pytest.mark.parametrize("name", log_hygiene.ZAPPA_LOGGERS[:2])
def test_the_event_is_logged_as_its_shape(name: str, collected: Collect, secrets: dict[str, str]) -> None:
    event = api_gateway_event(
        "POST",
        "/orders/",
        stage="dev",
        headers={
            "Authorization": f"Bearer {secrets['bearer']}",
            "Cookie": f"sessionid={secrets['cookie']}",
            "X-Api-Key": secrets["api-key"],
        },
        query={"token": secrets["query"]},
        body=secrets["body"],
    )
    logger = logging.getLogger(name)
    logger.setLevel(logging.DEBUG)

    logger.debug("Zappa Event: {}".format(event))  # noqa: UP032 - exactly Zappa's call
    logger.debug("Zappa Event: {}".format(manage_event(f"createsuperuser --password {secrets['manage']}")))

    first, second = collected.lines
    assert first.startswith(f"DEBUG {name} Zappa Event: {{'resource': '/{{proxy+}}', 'path': '/orders/', ")
    assert "'httpMethod': 'POST'" in first and "'headers': '<redacted: 11 entries>'" in first
    assert "'body': '<redacted>'" in first and "'isBase64Encoded': False" in first
    assert second == f"DEBUG {name} Zappa Event: {{'manage': '<redacted>'}}"
    assert_nothing_leaked(secrets, *collected.lines)


def test_other_zappa_debug_lines_are_dropped_unless_known_harmless(collected: Collect, secrets: dict[str, str]) -> None:
    logger = logging.getLogger("handler")
    logger.setLevel(logging.DEBUG)

    logger.debug({"token": secrets["body"]})  # a scheduled function's result
    logger.debug("Result of %s:", "project.tasks.rotate")
    logger.debug("host found: [{}]".format("abc.execute-api.us-east-1.amazonaws.com"))
    logger.debug("Zappa Event: not a literal %s", secrets["body"])
    logger.info("Instancing..")

    assert collected.lines == [
        "DEBUG handler host found: [abc.execute-api.us-east-1.amazonaws.com]",
        "DEBUG handler Zappa Event: <not logged: not a plain event>",
        "INFO handler Instancing..",
    ]


def test_the_access_log_keeps_the_path_and_drops_query_strings(collected: Collect, secrets: dict[str, str]) -> None:
    line = (
        f'203.0.113.7 - - [25/Nov/2026:12:00:00 +0000] "GET /prod/health/?token={secrets["query"]}&a=1 HTTP/1.1" '
        f'200 15 "https://example.com/login?next={secrets["body"]}" "pytest/1.0" 0/1200'
    )

    logging.getLogger("zappa.wsgi").info(line)

    [logged] = collected.lines
    assert logged == (
        'INFO zappa.wsgi 203.0.113.7 - - [25/Nov/2026:12:00:00 +0000] "GET /prod/health/?<redacted> HTTP/1.1" '
        '200 15 "https://example.com/login" "pytest/1.0" 0/1200'
    )
    assert_nothing_leaked(secrets, logged)


@pytest.mark.parametrize("path", ["/a b/", '/x"y', "/plain"])
def test_the_query_is_dropped_whatever_the_path_holds(collected: Collect, secrets: dict[str, str], path: str) -> None:
    """Zappa puts the decoded path in the request line: a space or a quote must not let the query through."""
    line = f'203.0.113.7 - - [25/Nov/2026:12:00:00 +0000] "GET {path}?token={secrets["query"]} HTTP/1.1" 200 15'

    logging.getLogger("zappa.wsgi").info(line)

    [logged] = collected.lines
    assert f'"GET {path}?<redacted> HTTP/1.1" 200 15' in logged
    assert_nothing_leaked(secrets, logged)
