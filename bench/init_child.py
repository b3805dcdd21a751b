"""One Lambda container's init, timed: ``python init_child.py REQUEST.json``, under the stage's runtime Python.

Run by bench/init.py as Lambda runs a function: a fresh interpreter of the
runtime (python3.13), the unzipped package first on ``sys.path``, the
function's environment, then ``import`` of the function's handler module: with
``INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT`` that import *is* the init phase
(Zappa's handler, the settings, the bootstrap, Django). The clock starts on
this file's first line; nothing of the package is imported before the handler.

Phases are timed without importing anything early: a finder on
``sys.meta_path`` wraps three functions right after their modules first
execute (Django's settings set-up, its app registry, the bootstrap's client
factory). After the init: one API Gateway request (the first response), or,
for SnapStart, the runtime's before-snapshot hooks, optionally a value
rotated in AWS, then the timed restore: the after-restore hooks and the first
response. Prints one JSON line. Standard library only: it runs with the
package's own Zappa, botocore and Django.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import gc  # noqa: E402 - after the clock
import importlib  # noqa: E402
import importlib.abc  # noqa: E402
import importlib.machinery  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

PHASES: dict[str, float] = {}


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            PHASES[name] = PHASES.get(name, 0.0) + time.perf_counter() - started

    return timed


def _settings(module: ModuleType) -> None:
    module.LazySettings._setup = _timed("settings module", module.LazySettings._setup)


def _apps(module: ModuleType) -> None:
    module.Apps.populate = _timed("Django set-up", module.Apps.populate)


def _clients(module: ModuleType) -> None:
    module.Clients._make = _timed("boto3 clients", module.Clients._make)


class AfterImport(importlib.abc.MetaPathFinder):
    """Calls ``hooks[name](module)`` once ``name`` has executed, the first time it is imported."""

    def __init__(self, hooks: dict[str, Callable[[ModuleType], None]]) -> None:
        self.hooks = dict(hooks)

    def find_spec(self, name: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        hook = self.hooks.pop(name, None)
        if hook is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            hook(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _peak_memory_kb() -> int:
    """This process's peak resident memory (VmHWM: unlike getrusage's, not inherited across exec)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _rotate(secret_id: str, key: str) -> None:
    """A value changed in AWS between the snapshot and the restore (untimed), with the package's boto3."""
    import boto3

    client = boto3.client("secretsmanager")
    values = json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"])
    values[key] = f"rotated-{time.time_ns()}-" + "Rq7x" * 8  # as valid as the value it replaces
    client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(values))


def main(argv: list[str]) -> int:
    request: dict[str, Any] = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    sys.path[:0] = request["path"]  # the task root (and a variant's overlay) first, as Lambda's runtime does
    sys.path.append(request["runtime_client_dir"])  # the runtime's own modules (snapshot_restore_py) last
    os.chdir(request["task_root"])
    sys.meta_path.insert(
        0, AfterImport({"django.conf": _settings, "django.apps.registry": _apps, "lambda_bootstrap.clients": _clients})
    )
    module_name, _, attribute = request["handler"].rpartition(".")
    handler = getattr(importlib.import_module(module_name), attribute)  # the init phase
    init = time.perf_counter() - STARTED
    if request.get("exit_after_init"):  # timed from outside (start-up and init only): no exit's clean-up either
        sys.stdout.write(json.dumps({"init": init}) + "\n")
        sys.stdout.flush()
        os._exit(0)

    bootstrap = sys.modules.get("lambda_bootstrap")
    report = bootstrap.current_report() if bootstrap is not None else None
    sys.path.append(request["driver_dir"])
    from lambda_driver import LambdaContext  # testsupport's, standard library only: after the init

    restore, untimed_calls = None, 0
    if request.get("snapstart"):
        from awslambdaric import lambda_runtime_hooks_runner as hooks

        hooks.run_before_snapshot()
        if request.get("rotate"):
            _rotate(*request["rotate"])
            untimed_calls = 2
        started = time.perf_counter()
        hooks.run_after_restore()
        response = handler(request["event"], LambdaContext(30))
        restore = time.perf_counter() - started
        first = None
    else:
        started = time.perf_counter()
        response = handler(request["event"], LambdaContext(30))
        first = time.perf_counter() - started
    peak_kb = _peak_memory_kb()
    gc_enabled, gc_frozen = gc.isenabled(), gc.get_freeze_count()
    gc.unfreeze()
    garbage = gc.collect()  # the cycles left unreclaimed until now: what a frozen init keeps for ever, at most
    print(
        json.dumps(
            {
                "init": init,
                "phases": PHASES,
                "load": report.seconds if report else 0.0,
                "load_calls": report.aws_calls if report else 0,
                "untimed_calls": untimed_calls,
                "first_response": first,
                "restore": restore,
                "status": response.get("statusCode") if isinstance(response, dict) else None,
                "max_rss_kb": peak_kb,
                "gc_enabled": gc_enabled,
                "gc_frozen": gc_frozen,
                "garbage": garbage,
                "python": sys.version.split()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
