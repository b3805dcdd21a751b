"""``exec <stage> -- COMMAND``: the command gets every value, the parent prints none, and it is the command.

Every run is a real process (``lambda-bootstrap exec ...``) against
moto's server: exec replaces the process, so the PID the test started is the
command's, and its exit status and signals are the test's to see.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from testsupport.leaks import assert_nothing_leaked
from testsupport.stage import seed_stage

from .tooling import STAGES, run

pytestmark = pytest.mark.e2e  # every test runs the CLI in a fresh interpreter

ROOT = Path(__file__).resolve().parents[2]
APP, STAGE = "shop", "prod"
CANARY = "Exec-Canary-Value-" + "Qz8" * 6
DB_PASSWORD = "Exec-Db-Password-" + "Lw4" * 6
DATABASE_URL = f"postgres://shop:{DB_PASSWORD}@db.internal:5432/shop"
# What the command writes where the test can read it: the values never pass through the parent's streams.
DUMP_ENVIRONMENT = (
    "import json, os, sys; json.dump({'pid': os.getpid(), 'env': dict(os.environ)}, open(sys.argv[1], 'w'))"
)
# The parent with the root logger at DEBUG, as Zappa's default log level leaves a Lambda.
AT_DEBUG = "import logging, sys; logging.basicConfig(level=logging.DEBUG); from lambda_bootstrap_cli import main; "
AT_DEBUG += "sys.exit(main(sys.argv[1:]))"
# The test process carries values of its own (tests/django_settings.py): a command must not inherit them.
UNREACHABLE = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
_NOT_INHERITED = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "STAGE", "PROJECT"}


@pytest.fixture
def folder(tmp_path: Path, moto_endpoint: str) -> Path:
    """A project folder whose prod stage is seeded in moto's server."""
    stages = json.loads(json.dumps(STAGES))
    stages["prod"]["django_settings"] = "project.settings.aws_lambda"
    (tmp_path / "zappa_settings.json").write_text(json.dumps(stages), encoding="utf-8")
    seed_stage(APP, STAGE, DATABASE_URL, {"API_TOKEN": CANARY}, moto_endpoint, layout="ssm")
    return tmp_path


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED and not k.startswith("BOOTSTRAP_")}
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


def start(folder: Path, *argv: str, debug: bool = False, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    prefix = ["-c", AT_DEBUG] if debug else ["-m", "lambda_bootstrap"]
    return subprocess.Popen(
        [sys.executable, *prefix, *argv],
        cwd=folder,
        env=environment(**(env or {})),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_the_command_sees_every_value_is_the_same_process_and_the_parent_prints_none(folder: Path) -> None:
    dump = folder / "child.json"
    process = start(folder, "exec", STAGE, "--", sys.executable, "-c", DUMP_ENVIRONMENT, str(dump), debug=True)
    code, out, err = finish(process)
    assert code == 0, err
    seen = json.loads(dump.read_text())
    child = seen["env"]
    assert seen["pid"] == process.pid  # replaced, not forked: the PID a supervisor knows is the command's
    assert child["SECRET_KEY"].startswith("stage-") and child["API_TOKEN"] == CANARY
    assert child["ALLOWED_HOSTS"] == "testserver,localhost"
    assert child["DATABASE_URL"] == DATABASE_URL and child["DATABASE_PASSWORD"] == DB_PASSWORD
    assert (child["PROJECT"], child["STAGE"], child["AWS_REGION"]) == (APP, STAGE, "us-east-1")
    assert child["DJANGO_SETTINGS_MODULE"] == "project.settings.aws_lambda"  # what Zappa's handler sets
    assert child["BOOTSTRAP_REQUIRED"] == "SECRET_KEY,ALLOWED_HOSTS"
    assert not {"BOOTSTRAP_SSM_PATH", "BOOTSTRAP_SECRETS"} & set(child)  # the command's own load() fetches nothing
    # Logging was live (root at DEBUG); the SDK's own DEBUG records are silenced by log_hygiene by design.
    assert "INFO:botocore" in err
    assert_nothing_leaked((CANARY, DB_PASSWORD, child["SECRET_KEY"], DATABASE_URL), out, err)
    assert "exec prod: " in err and "API_TOKEN" in err  # key names, by source: at most that


def test_the_commands_own_load_fetches_nothing_and_checks_the_required_keys(folder: Path) -> None:
    code = (
        "import sys, lambda_bootstrap; r = lambda_bootstrap.load(); "
        "print(r.aws_calls, sorted(r.sources), 'boto3' in sys.modules)"
    )
    status, out, err = finish(start(folder, "exec", "--quiet", STAGE, "--", sys.executable, "-c", code))
    assert (status, out, err) == (0, "0 [] False\n", "")


def test_the_exit_status_passes_through(folder: Path) -> None:
    code, _, _ = finish(start(folder, "exec", STAGE, "--", sys.executable, "-c", "raise SystemExit(42)"))
    assert code == 42


def test_sigterm_reaches_the_command_and_its_fate_is_the_status(folder: Path) -> None:
    ready = folder / "ready"
    waits = f"import pathlib, time; pathlib.Path({str(ready)!r}).touch(); time.sleep(60)"
    process = start(folder, "exec", STAGE, "--", sys.executable, "-c", waits)
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert finish(process)[0] == -signal.SIGTERM

    handles = (
        "import pathlib, signal, sys, time; signal.signal(signal.SIGTERM, lambda *a: sys.exit(7)); "
        f"pathlib.Path({str(ready)!r}).write_text('handler'); time.sleep(60)"
    )
    ready.unlink()
    process = start(folder, "exec", STAGE, "--", sys.executable, "-c", handles)
    while not ready.exists() or ready.read_text() != "handler":
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert finish(process)[0] == 7  # the command's own handler decided


def _creates(marker: Path) -> list[str]:
    return [sys.executable, "-c", f"import pathlib; pathlib.Path({str(marker)!r}).touch()"]


def test_missing_required_keys_stop_before_the_command_naming_every_one(folder: Path) -> None:
    marker = folder / "started"
    required = "--env=BOOTSTRAP_REQUIRED=SECRET_KEY,NOT_SEEDED_ONE,NOT_SEEDED_TWO"
    code, out, err = finish(start(folder, "exec", STAGE, required, "--", *_creates(marker)))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1, err
    assert "NOT_SEEDED_ONE, NOT_SEEDED_TWO" in err and "not started" in err
    assert not marker.exists()


def test_unreachable_aws_stops_before_the_command(folder: Path) -> None:
    marker = folder / "started"
    limits = ["--env", "BOOTSTRAP_MAX_ATTEMPTS=1", "--env", "BOOTSTRAP_TIMEOUT=3"]
    process = start(folder, "exec", STAGE, *limits, "--", *_creates(marker), env=UNREACHABLE)
    code, out, err = finish(process)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1, err
    assert "ssm:/shop/prod/" in err and "not started" in err
    assert not marker.exists()


def test_a_source_that_fails_is_one_line_and_exit_2(folder: Path) -> None:
    marker = folder / "started"
    secrets = "--env=BOOTSTRAP_SECRETS=database,missing"
    code, _, err = finish(start(folder, "exec", STAGE, secrets, "--", *_creates(marker)))
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "shop/prod/missing" in err and not marker.exists()


def test_an_unknown_command_is_127_before_any_aws_call(folder: Path) -> None:
    # AWS is unreachable: had the load run first, this would be a slow exit 2.
    started = time.monotonic()
    process = start(folder, "exec", STAGE, "--", "no-such-command-here", env=UNREACHABLE)
    code, out, err = finish(process)
    assert (code, out) == (127, "")
    assert err == "error: no-such-command-here: command not found (nothing loaded, nothing started)\n"
    assert time.monotonic() - started < 10


def test_a_command_that_fails_to_start_after_the_load_is_127_as_in_a_shell(folder: Path) -> None:
    script = folder / "broken"
    script.write_text("#!/no/such/interpreter\n")
    script.chmod(0o755)
    code, out, err = finish(start(folder, "exec", STAGE, "--", str(script)))
    assert (code, out) == (127, "")
    assert err.splitlines()[-1] == f"error: {script}: No such file or directory (not started)"
    assert_nothing_leaked([CANARY], err)


def test_from_environment_needs_no_settings_file(tmp_path: Path, moto_endpoint: str) -> None:
    seed_stage(APP, "blue", DATABASE_URL, {"API_TOKEN": CANARY}, moto_endpoint, layout="ssm")
    dump = tmp_path / "child.json"
    pointers = {"PROJECT": APP, "BOOTSTRAP_SSM_PATH": "/{app}/{stage}/", "BOOTSTRAP_SECRETS": "database"}
    argv = ["exec", "blue", "--from-environment", "--", sys.executable, "-c", DUMP_ENVIRONMENT, str(dump)]
    process = start(tmp_path, *argv, env=pointers)
    code, out, err = finish(process)
    assert code == 0, err
    child = json.loads(dump.read_text())["env"]
    assert (child["API_TOKEN"], child["DATABASE_PASSWORD"], child["STAGE"]) == (CANARY, DB_PASSWORD, "blue")
    assert_nothing_leaked([CANARY], out, err)


def test_the_settings_file_wins_over_pointers_the_shell_exported(folder: Path) -> None:
    dump = folder / "child.json"
    stray = {
        "BOOTSTRAP_SECRETS": "someone-elses",
        "BOOTSTRAP_SSM_PATH": "/other/app/",
        "STAGE": "dev",
        "DJANGO_SETTINGS_MODULE": "project.settings.dev",  # a laptop's: exec staging must not migrate SQLite
    }
    argv = ["exec", STAGE, "--", sys.executable, "-c", DUMP_ENVIRONMENT, str(dump)]
    code, _, err = finish(start(folder, *argv, env=stray))
    assert code == 0, err
    child = json.loads(dump.read_text())["env"]
    assert (child["STAGE"], child["API_TOKEN"]) == (STAGE, CANARY)
    assert child["DJANGO_SETTINGS_MODULE"] == "project.settings.aws_lambda"


def test_a_key_the_stage_reserves_comes_from_its_declaration_never_from_the_shell(folder: Path) -> None:
    """prod's settings module is prod's: a DJANGO_STAGE_SETTINGS the operator's shell exported is dropped."""
    stages = json.loads((folder / "zappa_settings.json").read_text())
    stages["prod"]["environment_variables"]["BOOTSTRAP_RESERVED"] = "DJANGO_STAGE_SETTINGS"
    (folder / "zappa_settings.json").write_text(json.dumps(stages), encoding="utf-8")
    dump = folder / "child.json"
    argv = ["exec", STAGE, "--", sys.executable, "-c", DUMP_ENVIRONMENT, str(dump)]
    code, _, err = finish(start(folder, *argv, env={"DJANGO_STAGE_SETTINGS": "project.settings.staging"}))
    assert code == 0, err
    assert "DJANGO_STAGE_SETTINGS" not in json.loads(dump.read_text())["env"]
    stages["prod"]["environment_variables"]["DJANGO_STAGE_SETTINGS"] = "project.settings.prod"
    (folder / "zappa_settings.json").write_text(json.dumps(stages), encoding="utf-8")
    code, _, err = finish(start(folder, *argv, env={"DJANGO_STAGE_SETTINGS": "project.settings.staging"}))
    assert code == 0, err
    assert json.loads(dump.read_text())["env"]["DJANGO_STAGE_SETTINGS"] == "project.settings.prod"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["exec", "nope", "--", "true"], "stage 'nope' is not in"),
        (["exec", "prod"], "no command after '--'"),
        (["exec", "prod", "--"], "no command after '--'"),
        (["exec", "prod", "true"], "put '--' before the command: exec prod -- true"),
        (["exec", "prod", "--env", "SECRET_KEY=hunter2-value", "--", "true"], "--env takes BOOTSTRAP_NAME=pointer"),
        (["exec", "prod", "--env", "BOOTSTRAP_SSM_PATH=no-slash", "--", "true"], "must start with '/'"),
        (["exec", "prod", "--env", "BOOTSTRAP_SSM_PATH=", "--env", "BOOTSTRAP_SECRETS=", "--", "true"], "no source"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(project: Path, argv: list[str], message: str) -> None:
    result = run(*argv)
    assert result.code == 2 and result.out == ""
    assert len(result.err.splitlines()) == 1 and message in result.err, result.err
    assert_nothing_leaked(["hunter2-value"], result.err)


def test_from_environment_needs_a_region(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("BOOTSTRAP_SSM_PATH", "/shop/prod/")
    result = run("exec", "prod", "--from-environment", "--", "true")
    assert result.code == 2 and "AWS_REGION" in result.err


def test_a_file_that_is_not_executable_is_126(project: Path) -> None:
    (project / "script").write_text("echo hi\n")
    result = run("exec", "prod", "--", "./script")
    assert result.code == 126
    assert result.err == "error: ./script: not an executable file (nothing loaded, nothing started)\n"
