"""A Lambda function made of an unzipped Zappa package; each ``cold_start`` is a new container.

A container is a fresh interpreter of the stage's runtime (python3.13:
testsupport/lambda_python.py, never the test's own) running lambda_driver.py with the
environment Lambda gives a function: its name, memory, task root and region,
the function's own variables (``aws_environment_variables``), credentials (fake
here) and, for moto, ``AWS_ENDPOINT_URL``. Nothing of the test process leaks in.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testsupport.aws_env import FAKE_CREDENTIALS, NO_LOCAL_AWS
from testsupport.lambda_python import RUNTIME, the_runtime_python

__all__ = ["ContainerRun", "Invocation", "LambdaFunction", "unzip_package"]

_DRIVER = Path(__file__).with_name("lambda_driver.py")


@dataclass(frozen=True)
class Invocation:
    calls: dict[str, int]
    response: Any
    error: dict[str, str] | None


@dataclass(frozen=True)
class ContainerRun:
    """What one container did: the init phase's AWS calls and error, then each invocation."""

    init_calls: dict[str, int]
    init_error: dict[str, str] | None
    invocations: list[Invocation]
    output: str  # the container's stdout and stderr: what CloudWatch would get

    @property
    def total_calls(self) -> int:
        return sum(self.init_calls.values()) + sum(sum(i.calls.values()) for i in self.invocations)


def unzip_package(package: Path, task_root: Path) -> Path:
    """What Lambda does with the uploaded zip: extract it into the (read-only) task root."""
    with zipfile.ZipFile(package) as archive:
        archive.extractall(task_root)
    return task_root


@dataclass(frozen=True)
class LambdaFunction:
    task_root: Path
    name: str
    region: str
    memory_mb: int
    timeout_seconds: int
    variables: dict[str, str] = field(default_factory=dict)  # the function's configured environment
    handler: str = "handler.lambda_handler"  # the function's Handler: Zappa's, or the stage's lambda_handler

    def environment(self, endpoint: str) -> dict[str, str]:
        """The process environment Lambda's python runtime sets up, pointed at moto's server."""
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": str(self.task_root),
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{RUNTIME.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            **FAKE_CREDENTIALS,
            # Not Lambda's, but needed here: no local AWS config, no metadata service, moto as AWS.
            **NO_LOCAL_AWS,
            "AWS_ENDPOINT_URL": endpoint,
            **self.variables,
        }

    def cold_start(self, events: list[dict[str, Any]], *, endpoint: str) -> ContainerRun:
        """Start a new container, run its init phase, then deliver ``events`` to it in order."""
        with tempfile.TemporaryDirectory(prefix="lambda-container-") as scratch:
            request_file, result_file = Path(scratch, "request.json"), Path(scratch, "result.json")
            request = {
                "task_root": str(self.task_root),
                "handler": self.handler,
                "events": events,
                "timeout_seconds": self.timeout_seconds,
            }
            request_file.write_text(json.dumps(request))
            completed = subprocess.run(
                [str(the_runtime_python()), "-I", "-S", "-B", str(_DRIVER), str(request_file), str(result_file)],
                cwd=self.task_root,
                env={**self.environment(endpoint), "TMPDIR": scratch},
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            output = completed.stdout + completed.stderr
            if completed.returncode != 0 or not result_file.is_file():
                raise RuntimeError(f"the container crashed ({completed.returncode}):\n{output}")
            result = json.loads(result_file.read_text())
        return ContainerRun(
            init_calls=result["init"]["calls"],
            init_error=result["init"]["error"],
            invocations=[Invocation(**invocation) for invocation in result["invocations"]],
            output=output,
        )
