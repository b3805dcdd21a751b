"""A container run the way Lambda's python runtime runs it: ``python -m awslambdaric handler.lambda_handler``.

AWS's runtime interface client (awslambdaric, requirements-dev.txt only: the
real runtime brings its own, the zip never carries it) imports the package's
``handler`` (the init phase), then loops on the Runtime API: next event,
response or error. Here the Runtime API is tests/deploy/runtime_api.py's
stand-in, so what Lambda would pass to CloudWatch (the process's output) and
to an invoker (everything posted) is captured whole.

Like testsupport/lambda_runtime.py's containers, the process is a fresh
interpreter of the stage's runtime (python3.13, testsupport/lambda_python.py)
with no site-packages (``-S``): on ``sys.path`` are the task root, then the
runtime client and its dependencies built for that runtime, as /var/runtime
follows /var/task on Lambda.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.deploy.runtime_api import Posted, runtime_api
from testsupport.lambda_python import runtime_client_directory, the_runtime_python
from testsupport.lambda_runtime import LambdaFunction

__all__ = ["RicRun", "debug_forced_task_root", "run_under_ric"]


@dataclass(frozen=True)
class RicRun:
    output: str  # stdout and stderr: what CloudWatch gets
    posted: list[Posted]  # everything the client sent the Runtime API: what an invoker gets
    request_ids: list[str]
    returncode: int | None  # None: still waiting for an event when stopped (a healthy container)

    @property
    def init_error(self) -> dict[str, Any] | None:
        errors = [p.json() for p in self.posted if p.kind == "init-error"]
        return errors[0] if errors else None

    @property
    def restore_error(self) -> dict[str, Any] | None:
        errors = [p.json() for p in self.posted if p.kind == "restore-error"]
        return errors[0] if errors else None

    def outcome(self, index: int) -> Posted | None:
        """The response or error posted for the ``index``-th event delivered."""
        if index >= len(self.request_ids):
            return None
        return next((p for p in self.posted if p.request_id == self.request_ids[index]), None)

    def everything(self) -> dict[str, str]:
        """Every text to scan for leaks, by where it went."""
        texts = {"process output (CloudWatch)": self.output}
        for index, posted in enumerate(self.posted):
            headers = "\n".join(f"{name}: {value}" for name, value in posted.headers.items())
            texts[f"posted #{index} ({posted.kind})"] = f"{posted.path}\n{headers}\n\n" + posted.body.decode(
                "utf-8", "replace"
            )
        return texts


def debug_forced_task_root(task_root: Path, destination: Path) -> Path:
    """The same package with Zappa's ``log_level: DEBUG`` and ``debug: true``, as a careless stage would set."""
    destination.mkdir(parents=True, exist_ok=True)
    for entry in task_root.iterdir():
        if entry.name != "zappa_settings.py" and not (destination / entry.name).exists():
            (destination / entry.name).symlink_to(entry)
    settings = (task_root / "zappa_settings.py").read_text()
    settings = re.sub(r"^LOG_LEVEL=.*$", "LOG_LEVEL='DEBUG'", settings, flags=re.MULTILINE)
    settings = re.sub(r"^DEBUG=.*$", "DEBUG=True", settings, flags=re.MULTILINE)
    (destination / "zappa_settings.py").write_text(settings)
    return destination


def run_under_ric(
    function: LambdaFunction,
    events: list[dict[str, Any]],
    *,
    endpoint: str,
    environment: dict[str, str] | None = None,
    timeout: float = 90,
    handler: str | None = None,
    at_snapshot: Callable[[], None] | None = None,
) -> RicRun:
    """Start a container under awslambdaric, deliver ``events``, stop it once it waits for more (or exits).

    ``at_snapshot``: the init is a SnapStart one (``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``); once the
    client has run its before-snapshot hooks and asks to be restored, ``at_snapshot()`` runs (the world
    changes while the snapshot waits), then the environment is restored and the events follow.
    """
    with (
        runtime_api(function.name, function.timeout_seconds, events) as api,
        tempfile.TemporaryDirectory(prefix="ric-container-") as scratch,
    ):
        env = {
            **function.environment(endpoint),
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "PYTHONPATH": os.pathsep.join([str(function.task_root), str(runtime_client_directory())]),
            "TMPDIR": scratch,
            **({"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"} if at_snapshot else {}),
            **(environment or {}),
        }
        stdout, stderr = Path(scratch, "stdout"), Path(scratch, "stderr")
        with stdout.open("wb") as out, stderr.open("wb") as err:
            process = subprocess.Popen(
                [str(the_runtime_python()), "-S", "-B", "-m", "awslambdaric", handler or function.handler],
                cwd=function.task_root,
                env=env,
                stdout=out,
                stderr=err,
            )
            try:
                deadline = time.monotonic() + timeout
                if at_snapshot is not None:
                    while not api.snapshot.wait(0.2) and process.poll() is None and not api.wait_idle(0):
                        if time.monotonic() > deadline:
                            raise RuntimeError(f"the container never reached its snapshot in {timeout} s")
                    if api.snapshot.is_set():
                        at_snapshot()
                        api.restore()
                while not api.wait_idle(0.2) and process.poll() is None:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the container neither finished its events nor exited in {timeout} s")
                try:
                    failed = api.by_kind("init-error") or api.by_kind("restore-error")
                    returncode: int | None = process.wait(timeout=5 if failed else 0.5)
                except subprocess.TimeoutExpired:
                    returncode = None  # waiting for the next event, as a warm container does
            finally:
                if process.poll() is None:
                    process.terminate()
                    process.wait(timeout=10)
        output = stdout.read_text(errors="replace") + stderr.read_text(errors="replace")
        return RicRun(output, list(api.posted), list(api.request_ids), returncode)
