"""One cold Lambda container running Zappa's handler: ``python -m bench.handler_child EVENTS.json``.

The parent writes the generated ``zappa_settings`` module on ``PYTHONPATH`` and
the events (the first one a GET of /health/) in a file; this process plays a
new container: it builds Zappa's ``LambdaHandler`` (Lambda's init phase, as
``INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT`` does) and invokes it once per event.
Each phase is timed with ``perf_counter``; Django's settings import (where the
bootstrap runs) and app loading are timed by wrapping the two Django functions
that do them. Prints one JSON line with the phases in seconds, the responses'
status codes and the AWS calls made.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()
STARTED_AT = time.time()

import json  # noqa: E402  - after the clock: the phases add up to the process's own time
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from testsupport.aws_calls import AwsCalls  # noqa: E402
from testsupport.lambda_driver import LambdaContext  # noqa: E402

__all__ = ["main"]

_phases: dict[str, float] = {}


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _phases[name] = _phases.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def main(argv: list[str]) -> None:
    events: list[dict[str, Any]] = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    mark = time.perf_counter()
    _phases["bench helpers (not on Lambda)"] = mark - STARTED

    import zappa.handler

    _phases["import zappa.handler (with boto3)"] = time.perf_counter() - mark
    calls = AwsCalls()
    calls.install()

    mark = time.perf_counter()
    import django.apps.registry
    import django.conf
    import django.core.wsgi

    _phases["import django"] = time.perf_counter() - mark
    django.conf.LazySettings._setup = _timed("settings module", django.conf.LazySettings._setup)
    django.apps.registry.Apps.populate = _timed("apps.populate", django.apps.registry.Apps.populate)

    mark = time.perf_counter()
    zappa.handler.LambdaHandler("zappa_settings")  # the init phase
    init = time.perf_counter() - mark
    import lambda_bootstrap

    report = lambda_bootstrap.current_report()
    bootstrap = report.seconds if report else 0.0
    _phases["settings module"] -= bootstrap
    _phases["bootstrap load()"] = bootstrap
    _phases["rest of LambdaHandler init"] = init - bootstrap - _phases["settings module"] - _phases["apps.populate"]
    init_calls = calls.total

    statuses = []
    for index, event in enumerate(events):
        mark = time.perf_counter()
        response = zappa.handler.lambda_handler(event, LambdaContext(timeout_seconds=30))
        _phases["first request" if index == 0 else "later requests"] = time.perf_counter() - mark
        statuses.append(response.get("statusCode") if isinstance(response, dict) else None)
    total = time.perf_counter() - STARTED
    print(
        json.dumps(
            {
                "phases": _phases,
                "seconds": total,
                "started_at": STARTED_AT,
                "ended_at": time.time(),
                "statuses": statuses,
                "init_calls": init_calls,
                "request_calls": calls.total - init_calls,
                "bootstrap_calls": report.aws_calls if report else 0,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
