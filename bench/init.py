"""The whole Lambda init, from the packaged zip, secure against insecure: ``bin/bench init``.

Builds the prod package with ``zappa package`` (or takes ``--package``),
unzips it as Lambda does, and runs containers of it under the stage's runtime
Python (python3.13; testsupport/lambda_python.py), each a fresh process
(bench/init_child.py), behind testsupport/aws_proxy.py's simulated round trip
(``--rtt-ms`` per AWS call) in front of moto's server. Three variants, from the
same zip, interleaved round by round so that a slow moment of the machine hits
all three:

- **secure**: this project as deployed: the stage's handler
  (``lambda_handler`` in zappa_settings.json), the bootstrap fetching the
  bundle and the database secret from Secrets Manager and verifying them;
- **insecure**: the same package with the same values as plain environment
  variables in the function's configuration, no ``BOOTSTRAP_*``, Zappa's
  default handler (``handler.lambda_handler``) and the stage's settings module
  (``project.settings.prod``) as Django's: the pattern this project exists to
  replace;
- **empty Django**: Zappa's default handler serving a Django project with no
  app, no middleware and no URL (same package, another settings module).

Each container runs its init (``import`` of the handler module, with
``INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT``) and answers one API Gateway request
(GET of a path no app serves: a 404 that needs no database). Ratios are paired:
each round's secure init over the same round's insecure one, then the median.
Then SnapStart: the secure variant initialised with
``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``, its before-snapshot hooks run,
and the restore timed (the after-restore hooks: new clients, the configuration
fetched again; then the first response), with the configuration unchanged and
with a value rotated since the snapshot. Lambda's own part of a restore
(resuming the microVM from the snapshot) cannot be measured here and is not in
the figure. Writes its tables into docs/benchmarks.md (``--no-write`` leaves it).

To time a container from outside (``/usr/bin/time``, or any harness of whole
processes), a request file with ``"exit_after_init": true`` makes the child
leave right after the init, with no first response and no exit clean-up.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testsupport.aws_env import ROOT, use_fake_aws
from testsupport.aws_proxy import AwsProxy
from testsupport.lambda_events import API_HOST, api_gateway_event
from testsupport.lambda_python import runtime_client_directory, the_runtime_python
from testsupport.lambda_runtime import LambdaFunction, unzip_package
from testsupport.moto_server import moto_server
from testsupport.stage import seed_stage

from .runner import Series, run_child
from .sections import DOCS, provenance, write_section

__all__ = ["main"]

APP, STAGE = "coldstart", "prod"
DATABASE_URL = "postgres://app:bench-Pa55word@127.0.0.1:9/app"  # never connected to: the request needs no database
CHILD = Path(__file__).with_name("init_child.py")
DRIVER_DIR = ROOT / "testsupport"
SECURE, INSECURE, EMPTY = "secure", "insecure", "empty Django"
ZAPPA_DEFAULT_HANDLER = "handler.lambda_handler"
EMPTY_SETTINGS = '''"""A Django project with nothing in it: the floor of a Django function under Zappa."""
SECRET_KEY = "bench-empty-project-key-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = []
MIDDLEWARE = []
ROOT_URLCONF = "bench_empty_settings"
urlpatterns = []
'''


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Variant:
    name: str
    handler: str
    variables: dict[str, str]  # the function's configured environment
    overlay: Path | None = None  # a folder before the task root: another zappa_settings module


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bin/bench init", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtt-ms", type=float, default=20.0, help="simulated round trip per AWS call (default 20)")
    parser.add_argument("--runs", type=int, default=15, help="rounds of the three variants (default 15)")
    parser.add_argument("--restores", type=int, default=7, help="SnapStart restores of each kind (default 7)")
    parser.add_argument("--package", type=Path, help="a zip from `zappa package prod` (default: build one)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md as it is")
    return parser.parse_args(argv)


def build_prod_package(workdir: Path, endpoint: str) -> Path:
    """``zappa package prod`` from a copy of the project, as the deploy tests build it."""
    from tests.deploy.packaging import build_package, copy_project, write_test_settings

    project = copy_project(workdir / "project")
    settings = write_test_settings(project / "zappa_settings.json", workdir / "zappa_settings.json")
    return build_package(project, settings, STAGE, workdir / f"{APP}-{STAGE}.zip", endpoint)


def prod_function(task_root: Path) -> LambdaFunction:
    from tests.deploy.packaging import stage_config

    config = stage_config(json.loads((ROOT / "zappa_settings.json").read_text(encoding="utf-8")), STAGE)
    return LambdaFunction(
        task_root=task_root,
        name=f"{APP}-{STAGE}",
        region=config["aws_region"],
        memory_mb=config["memory_size"],
        timeout_seconds=config["timeout_seconds"],
        variables=dict(config["aws_environment_variables"]),
        handler=config.get("lambda_handler", ZAPPA_DEFAULT_HANDLER),
    )


def plain_values(function: LambdaFunction, moto_url: str) -> dict[str, str]:
    """What the bootstrap exports for the stage: the insecure variant's plain environment variables."""
    import os

    from lambda_bootstrap.clients import Clients
    from lambda_bootstrap.loader import Bootstrap

    os.environ["AWS_ENDPOINT_URL"] = moto_url  # this process's clients

    task_settings = _zappa_settings(function.task_root)
    names = {"PROJECT": APP, "STAGE": STAGE}  # what Zappa's handler sets
    environ = {**function.environment(moto_url), **task_settings["ENVIRONMENT_VARIABLES"], **names}
    before = dict(environ)
    Bootstrap(Clients(region=function.region), environ=environ).load()
    return {key: value for key, value in environ.items() if before.get(key) != value}


def _zappa_settings(folder: Path) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec((folder / "zappa_settings.py").read_text(encoding="utf-8"), namespace)  # noqa: S102 - Zappa's own output
    return namespace


def _overlay(task_root: Path, folder: Path, **changes: Any) -> Path:
    """A folder holding the package's zappa_settings module with ``changes``; put first on ``sys.path``."""
    folder.mkdir(parents=True)
    lines = []
    for line in (task_root / "zappa_settings.py").read_text(encoding="utf-8").splitlines():
        name = line.split("=", 1)[0]
        lines.append(f"{name}={changes.pop(name)!r}" if name in changes else line)
    (folder / "zappa_settings.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def variants(function: LambdaFunction, moto_url: str, workdir: Path) -> list[Variant]:
    task = function.task_root
    environment = _zappa_settings(task)["ENVIRONMENT_VARIABLES"]
    without_bootstrap = {k: v for k, v in environment.items() if not k.startswith("BOOTSTRAP_")}
    # the stage's settings module itself: project/settings/aws_lambda.py refuses Lambda without a source
    insecure = _overlay(
        task, workdir / "insecure", ENVIRONMENT_VARIABLES=without_bootstrap, DJANGO_SETTINGS=f"project.settings.{STAGE}"
    )
    empty = _overlay(task, workdir / "empty", ENVIRONMENT_VARIABLES={}, DJANGO_SETTINGS="bench_empty_settings")
    (empty / "bench_empty_settings.py").write_text(EMPTY_SETTINGS, encoding="utf-8")
    plain = plain_values(function, moto_url)
    return [
        Variant(SECURE, function.handler, function.variables),
        Variant(INSECURE, ZAPPA_DEFAULT_HANDLER, {**function.variables, **plain}, insecure),
        Variant(EMPTY, ZAPPA_DEFAULT_HANDLER, function.variables, empty),
    ]


class Containers:
    """Starts one container of a variant: a fresh runtime interpreter running init_child.py."""

    def __init__(self, function: LambdaFunction, proxy: AwsProxy, workdir: Path) -> None:
        self.function, self.proxy, self.workdir = function, proxy, workdir
        self.python = str(the_runtime_python())
        self.event = api_gateway_event("GET", "/bench-not-served/", stage=STAGE)
        self.count = 0

    def run(self, variant: Variant, **extra: Any) -> dict[str, Any]:
        self.count += 1
        request_file = self.workdir / f"request-{self.count}.json"
        path = [str(variant.overlay)] if variant.overlay else []
        request = {
            "path": [*path, str(self.function.task_root)],
            "task_root": str(self.function.task_root),
            "handler": variant.handler,
            "event": self.event,
            "driver_dir": str(DRIVER_DIR),
            "runtime_client_dir": str(runtime_client_directory()),
            **extra,
        }
        request_file.write_text(json.dumps(request), encoding="utf-8")
        function = LambdaFunction(**{**self.function.__dict__, "variables": variant.variables})
        env = function.environment(self.proxy.url)
        if extra.get("snapstart"):
            env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
        result = run_child(
            ["-I", "-S", "-B", str(CHILD), str(request_file)],
            env,
            self.proxy,
            python=self.python,
            cwd=self.function.task_root,
        )
        if result["status"] != 404:
            raise RuntimeError(f"{variant.name}: the first request answered {result['status']}, expected 404")
        return result


def measure(containers: Containers, chosen: list[Variant], runs: int) -> dict[str, Series]:
    """``runs`` rounds; each round runs every variant once, the order rotated from round to round."""
    series = {variant.name: Series() for variant in chosen}
    for index in range(runs):
        shift = index % len(chosen)
        for variant in chosen[shift:] + chosen[:shift]:
            _progress(f"init, round {index + 1}/{runs}: {variant.name}")
            series[variant.name].runs.append(containers.run(variant))
    return series


def measure_restores(containers: Containers, secure: Variant, restores: int) -> dict[str, Series]:
    kinds: dict[str, dict[str, Any]] = {
        "restore, configuration unchanged": {"snapstart": True},
        "restore, a value rotated since the snapshot": {
            "snapstart": True,
            "rotate": [f"{APP}/{STAGE}/config", "HEALTH_TOKEN"],
        },
    }
    series = {kind: Series() for kind in kinds}
    for index in range(restores):
        for kind, extra in kinds.items():
            _progress(f"SnapStart, run {index + 1}/{restores}: {kind}")
            series[kind].runs.append(containers.run(secure, **extra))
    return series


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def _paired(series: dict[str, Series], over: str, name: str, key: str = "init") -> list[float]:
    return [a[key] / b[key] for a, b in zip(series[name].runs, series[over].runs, strict=True)]


def _phase(run: dict[str, Any], name: str) -> float:
    return float(run["phases"].get(name, 0.0))


PHASES: list[tuple[str, Callable[[dict[str, Any]], float]]] = [
    (
        "imports, Zappa's handler, the rest",
        lambda r: r["init"] - _phase(r, "settings module") - _phase(r, "Django set-up") - _phase(r, "boto3 clients"),
    ),
    ("the bootstrap's clients (the first with boto3's import)", lambda r: _phase(r, "boto3 clients")),
    ("settings module, without `load()`", lambda r: _phase(r, "settings module") - r["load"]),
    ("bootstrap `load()`: answers awaited, checked, exported", lambda r: r["load"]),
    ("Django set-up (apps and models)", lambda r: _phase(r, "Django set-up")),
]


def init_table(series: dict[str, Series]) -> list[str]:
    lines = [
        "| variant | init ms (median) | min-max | paired ratio to insecure | first response ms | AWS calls | "
        "max RSS MB | garbage objects | runs |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, runs in series.items():
        ratio = statistics.median(_paired(series, INSECURE, name))
        lines.append(
            f"| {name} | {_ms(runs.median('init'))} | {_ms(runs.low('init'))}-{_ms(runs.high('init'))} | "
            f"{ratio:.2f} | {_ms(runs.median('first_response'))} | {runs.same('proxy_calls')} | "
            f"{runs.median('max_rss_kb') / 1024:.1f} | {runs.median('garbage'):.0f} | {len(runs.runs)} |"
        )
    return lines


def phase_table(series: dict[str, Series]) -> list[str]:
    names = list(series)
    lines = ["| phase of the init (median ms, share) | " + " | ".join(names) + " |"]
    lines.append("| --- | " + " | ".join("---:" for _ in names) + " |")
    for label, of in PHASES:
        cells = []
        for name in names:
            runs = series[name].runs
            value = statistics.median(of(r) for r in runs)
            share = value / statistics.median(r["init"] for r in runs)
            cells.append(f"{value * 1000:.0f} ({share:.0%})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def restore_table(series: dict[str, Series], restores: dict[str, Series]) -> list[str]:
    cold = [r["init"] + r["first_response"] for r in series[SECURE].runs]
    lines = [
        "| secure variant | ms to the first response (median) | min-max | AWS calls | runs |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| cold start: init + first response | {_ms(statistics.median(cold))} | {_ms(min(cold))}-{_ms(max(cold))} | "
        f"{series[SECURE].same('proxy_calls')} | {len(cold)} |",
    ]
    for kind, runs in restores.items():
        for run in runs.runs:
            run["restore_calls"] = run["proxy_calls"] - run["load_calls"] - run["untimed_calls"]
        lines.append(
            f"| SnapStart {kind}: hooks + first response | {_ms(runs.median('restore'))} | "
            f"{_ms(runs.low('restore'))}-{_ms(runs.high('restore'))} | {runs.same('restore_calls')} | "
            f"{len(runs.runs)} |"
        )
    return lines


def target_lines(series: dict[str, Series]) -> list[str]:
    ratio = statistics.median(_paired(series, INSECURE, SECURE))
    load = series[SECURE].median("load")
    cost = statistics.median(
        a["init"] - b["init"] for a, b in zip(series[SECURE].runs, series[INSECURE].runs, strict=True)
    )
    gc_on = all(r["gc_enabled"] for runs in series.values() for r in runs.runs)
    return [
        f"- secure init ≤ 1.0x insecure (paired median): {ratio:.2f}x: {'met' if ratio <= 1.0 else 'MISSED'}",
        f"- the bootstrap's share of the init (secure minus insecure, paired median) ≤ 50 ms: "
        f"{cost * 1000:+.0f} ms: {'met' if cost <= 0.050 else 'MISSED'} "
        f"(its `load()` in the settings module: {load * 1000:.0f} ms, the calls started at import)",
        f"- garbage collection on again after every init: {'yes' if gc_on else 'NO'}",
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    use_fake_aws()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="init-bench-") as scratch, moto_server() as moto_url:
        workdir = Path(scratch)
        package = args.package
        if package is None:
            _progress("building the prod package: zappa package prod (about half a minute)")
            package = build_prod_package(workdir, moto_url)
        function = prod_function(unzip_package(package, workdir / "task"))
        seed_stage(APP, STAGE, DATABASE_URL, parameters={"ALLOWED_HOSTS": API_HOST}, endpoint=moto_url)
        chosen = variants(function, moto_url, workdir)
        with AwsProxy(moto_url, latency=args.rtt_ms / 1000) as proxy:
            containers = Containers(function, proxy, workdir)
            for variant in chosen:
                _progress(f"warm-up: {variant.name} (not counted)")
                containers.run(variant)
            series = measure(containers, chosen, args.runs)
            restores = measure_restores(containers, chosen[0], args.restores)
    command = shlex.join(["bin/bench", "init", *(sys.argv[1:] if argv is None else argv)])
    python = series[SECURE].same("python")
    body = [
        provenance(command, time.perf_counter() - started),
        f"{args.rtt_ms:g} ms per AWS call; the prod package, run by Python {python} (the stage's runtime).",
        "",
        "### Whole init: the package's handler imported as Lambda does, then one request",
        "",
        *init_table(series),
        "",
        "### Where the init goes",
        "",
        *phase_table(series),
        "",
        "### SnapStart: restore to the first response, against a cold start",
        "",
        *restore_table(series, restores),
        "",
        "### Targets",
        "",
        *target_lines(series),
    ]
    print("\n".join(body))
    if not args.no_write:
        write_section("init", body, DOCS / "benchmarks.md")
        _progress(f"written to {DOCS / 'benchmarks.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
