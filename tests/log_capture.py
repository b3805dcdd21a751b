"""Run one function in a fresh process with the root logger at DEBUG; keep every record and what went on the wire.

``python -m tests.log_capture OUT.json TARGET [ARG ...]`` imports
``TARGET`` ("package.module:function"), calls it with the ARGs as one list,
and writes to OUT.json every log record of every logger (name, level, the
formatted message and traceback), the function's return value or error, and,
for each AWS request botocore sent, the SHA-256 of its body and its signature:
digests of values and credentials that must not reach a log either. The root
logger is at DEBUG, as Zappa's ``log_level: DEBUG`` leaves it; nothing else is
configured, so whatever the code under test does about logging is what shows.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import re
import sys
import traceback
from pathlib import Path
from typing import Any

__all__ = ["Capture", "bootstrap_load", "main", "raw_sdk_calls"]

_SIGNATURE = re.compile(r"Signature=([0-9a-f]{64})")


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception as exc:  # a record that cannot format still counts: keep its raw parts
            message = f"<unformattable: {exc!r}> {record.msg!r} {record.args!r}"
        exc_text = "".join(traceback.format_exception(*record.exc_info)) if record.exc_info else ""
        self.records.append({"logger": record.name, "level": record.levelno, "message": message, "exc": exc_text})


def _record_wire(wire: list[dict[str, str]]) -> None:
    """Wrap botocore's send: keep each request body's SHA-256 and the request's signature."""
    from botocore.endpoint import Endpoint

    original = Endpoint._send

    def send(self: Any, request: Any) -> Any:
        body = request.body or b""
        if hasattr(body, "read"):
            body = b""
        raw = body.encode() if isinstance(body, str) else bytes(body)
        signature = _SIGNATURE.search(str(request.headers.get("Authorization", b""), "utf-8", "replace"))
        wire.append(
            {
                "body_sha256": hashlib.sha256(raw).hexdigest() if raw else "",
                "signature": signature.group(1) if signature else "",
            }
        )
        return original(self, request)

    Endpoint._send = send


def bootstrap_load(args: list[str]) -> str:
    """The cold start's AWS part: ``lambda_bootstrap.load()`` from the process environment."""
    import lambda_bootstrap

    report = lambda_bootstrap.load()
    return f"{report.aws_calls} AWS call(s)"


def raw_sdk_calls(args: list[str]) -> str:
    """The calls the bootstrap and the CLI make, through plain boto3, with no hygiene installed.

    ``args``: a parameter value and a secret's field value to write and read back.
    """
    import boto3
    from botocore.exceptions import ClientError

    from testsupport.secrets import put_current

    parameter_value, field_value = args
    ssm, secrets = boto3.client("ssm"), boto3.client("secretsmanager")
    ssm.put_parameter(Name="/wire/prod/TOKEN", Value=parameter_value, Type="SecureString", Overwrite=True)
    ssm.get_parameters_by_path(Path="/wire/prod/", Recursive=True, WithDecryption=True)
    ssm.get_parameters(Names=["/wire/prod/TOKEN", "/wire/prod/ABSENT"], WithDecryption=True)
    secrets.create_secret(Name="wire/prod/database", SecretString=json.dumps({"password": field_value}))
    secrets.get_secret_value(SecretId="wire/prod/database", VersionStage="AWSCURRENT")
    secrets.describe_secret(SecretId="wire/prod/database")
    put_current(secrets, "wire/prod/database", json.dumps({"password": field_value, "port": "5432"}))
    secrets.list_secret_version_ids(SecretId="wire/prod/database", IncludeDeprecated=True)
    secrets.batch_get_secret_value(SecretIdList=["wire/prod/database"])
    with contextlib.suppress(ClientError):
        ssm.get_parameter(Name="/wire/prod/ABSENT", WithDecryption=True)
    return "done"


def main(argv: list[str]) -> int:
    out, target, args = Path(argv[1]), argv[2], argv[3:]
    capture = Capture()
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    root.addHandler(capture)
    logging.captureWarnings(True)
    wire: list[dict[str, str]] = []
    _record_wire(wire)
    module_name, _, function_name = target.partition(":")
    result: dict[str, Any] = {"returned": None, "error": None}
    try:
        returned = getattr(importlib.import_module(module_name), function_name)(args)
        result["returned"] = repr(returned)
    except BaseException as exc:
        result["error"] = "".join(traceback.format_exception(exc))
    out.write_text(json.dumps({"records": capture.records, "wire": wire, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
