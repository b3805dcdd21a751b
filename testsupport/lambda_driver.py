"""One Lambda container: imports the function's handler module (the init phase), then invokes it.

Run as ``python -I -S -B lambda_driver.py REQUEST.json RESULT.json`` in a fresh
interpreter, so a process is a container: nothing from the test process and no
site-packages, only the standard library and the unzipped package on
``sys.path`` (``-B``: /var/task is read-only on Lambda, no bytecode written).
The request holds the task root, the events and the function's timeout; the
result holds, for the init phase and for each invocation, the AWS API calls
made (counted around botocore's ``BaseClient._make_api_call``, as
testsupport/aws_calls.py does), the handler's return value and any error.
This file imports nothing of the project, not even aws_calls.py: it must run
with the package's own copies of Zappa, botocore and Django.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

__all__ = ["LambdaContext", "main"]


class LambdaContext:
    """The attributes of Lambda's Python context object that Zappa and Django may read."""

    def __init__(self, timeout_seconds: float) -> None:
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:123456789012:function:{self.function_name}"
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", f"/aws/lambda/{self.function_name}")
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _CallCounter:
    """Counts botocore API calls by operation name; ``take`` returns and clears them."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def install(self) -> None:
        from botocore.client import BaseClient  # the package's botocore: task root is first on sys.path

        original = BaseClient._make_api_call
        counts = self.counts

        def counted(client: Any, operation_name: str, api_params: Any) -> Any:
            counts[operation_name] += 1
            return original(client, operation_name, api_params)

        BaseClient._make_api_call = counted

    def take(self) -> dict[str, int]:
        taken = dict(self.counts)
        self.counts.clear()
        return taken


def _describe(exc: BaseException) -> dict[str, str]:
    kind = type(exc)
    return {
        "type": f"{kind.__module__}.{kind.__qualname__}",
        "message": str(exc),
        "traceback": "".join(traceback.format_exception(exc)),
    }


def _run(request: dict[str, Any]) -> dict[str, Any]:
    task_root = request["task_root"]
    os.chdir(task_root)  # Lambda's working directory is the task root
    sys.path.insert(0, task_root)
    counter = _CallCounter()
    counter.install()
    module_name, _, function_name = request["handler"].rpartition(".")  # the function's Handler setting
    try:
        import importlib

        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:  # the init phase failed: Lambda reports it and invokes nothing
        return {"init": {"calls": counter.take(), "error": _describe(exc)}, "invocations": []}
    result: dict[str, Any] = {"init": {"calls": counter.take(), "error": None}, "invocations": []}
    for event in request["events"]:
        context = LambdaContext(request["timeout_seconds"])
        try:
            response, error = handler(event, context), None
        except Exception as exc:
            response, error = None, _describe(exc)
        result["invocations"].append({"calls": counter.take(), "response": response, "error": error})
    return result


def main(argv: list[str]) -> int:
    request = json.loads(Path(argv[1]).read_text())
    result = _run(request)
    Path(argv[2]).write_text(json.dumps(result, default=repr))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
