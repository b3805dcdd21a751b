"""The host examples of docs/hosts.md, as far as this machine allows: linted, and their commands run.

No Docker daemon, no EC2, no Elastic Beanstalk: the Dockerfile is linted by
hadolint and its ENTRYPOINT + CMD run directly; the systemd unit is checked by
``systemd-analyze verify`` and its ExecStart run; the Procfile's ``web:`` line
run; the laptop's ``exec staging -- python manage.py migrate`` run. Each
command serves GET /health/ from a real PostgreSQL, with the stage's values
loaded from moto's server, and stops on SIGTERM.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.deploy.conftest import HEALTH_TOKEN
from tests.deploy.host_files import (
    ROOT,
    VENV_BIN,
    HostCommand,
    docker_command,
    dockerfile_instructions,
    on_this_machine,
    procfile_command,
    systemd_command,
    systemd_unit,
)
from testsupport.leaks import assert_nothing_leaked
from testsupport.pg import scratch_database
from testsupport.stage import seed_stage

APP = "coldstart"
HOSTS_DATABASE = "coldstart_hosts"
API_TOKEN = "hosts-api-token-" + "Vb5" * 8


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(VENV_BIN))
    if path is None:
        pytest.fail(f"{name} is not in {VENV_BIN}: pip install -r requirements-dev.txt")
    return path


# -- what can be checked without a daemon ----------------------------------------------------------


def test_the_dockerfile_passes_hadolint_with_no_finding_at_any_level(tmp_path: Path) -> None:
    # No configuration and no inline ignore counts: a clean HOME, and pragmas disabled.
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    command = [_tool("hadolint"), "--no-color", "--format", "json", "--failure-threshold", "style"]
    result = subprocess.run(
        [*command, "--disable-ignore-pragma", "Dockerfile"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, json.loads(result.stdout)) == (0, []), result.stdout + result.stderr


def test_the_image_is_slim_multi_stage_non_root_and_has_no_secret_in_a_layer() -> None:
    instructions = dockerfile_instructions()
    bases = [args for name, args in instructions if name == "FROM"]
    assert bases == ["python:3.13-slim AS build", "python:3.13-slim AS runtime"]
    names = [name for name, _ in instructions]
    assert "ARG" not in names  # no build argument at all, so none can carry a secret
    env_keys = {item.split("=", 1)[0] for name, args in instructions if name == "ENV" for item in args.split()}
    assert env_keys == {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    user = [args for name, args in instructions if name == "USER"][-1]
    assert re.fullmatch(r"[1-9][0-9]*:[1-9][0-9]*", user), user
    assert names.index("USER") > max(i for i, n in enumerate(names) if n in {"COPY", "RUN"})
    entrypoint = json.loads(dict(instructions)["ENTRYPOINT"])
    assert entrypoint == ["/app/deploy/web/entrypoint.sh"]
    assert (ROOT / "deploy/web/entrypoint.sh").stat().st_mode & 0o111


def test_the_build_context_is_an_allow_list_without_dotenv() -> None:
    patterns = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert patterns[0] == "*"
    allowed = [p[1:].rstrip("/") for p in patterns if p.startswith("!")]
    for path in allowed:
        assert (ROOT / path).exists(), path
        assert ".env" not in path and "zip" not in path
    copied = {
        path.rstrip("/")
        for name, args in dockerfile_instructions()
        if name == "COPY" and "--from" not in args
        for path in args.split()[:-1]
    }
    assert copied <= {".", *allowed}
    assert {"lambda_bootstrap", "project", "zappa_settings.json", "deploy/web"} <= set(allowed)


def test_gunicorn_stays_out_of_the_lambda_package_and_the_pins_are_what_the_tests_ran() -> None:
    lambda_requirements = (ROOT / "requirements.txt").read_text()
    assert "gunicorn" not in lambda_requirements
    container = (ROOT / "requirements-container.txt").read_text().splitlines()
    assert "-r requirements.txt" in container
    for line in container + lambda_requirements.splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            assert metadata.version(name.split("[")[0]) == version, name


@pytest.mark.slow
def test_the_images_requirements_resolve(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
    result = subprocess.run(
        [*command, "--disable-pip-version-check", "--report", str(report), "-r", "requirements-container.txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    resolved = {
        item["metadata"]["name"].lower(): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    assert resolved["gunicorn"] == metadata.version("gunicorn")
    assert resolved["django"] == metadata.version("django")


def test_the_shell_scripts_pass_shellcheck() -> None:
    scripts = ["deploy/web/entrypoint.sh", "deploy/ec2/user-data.sh"]
    result = subprocess.run(
        [_tool("shellcheck"), *scripts], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout


def test_the_user_data_holds_only_pointers_and_installs_the_committed_unit() -> None:
    user_data = (ROOT / "deploy/ec2/user-data.sh").read_text()
    assignments = dict(re.findall(r"^([A-Z_]+)=(\S+)", user_data, flags=re.MULTILINE))
    assert set(assignments) == {"STAGE", "RELEASE_URL"}
    assert "deploy/ec2/coldstart.service /etc/systemd/system/" in user_data
    assert "requirements-container.txt" in user_data
    assert systemd_unit()["EnvironmentFile"] == "/etc/coldstart/stage.env"
    assert "printf 'STAGE=%s\\n' \"$STAGE\" >/etc/coldstart/stage.env" in user_data


def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package)")
    unit = on_this_machine((ROOT / "deploy/ec2/coldstart.service").read_text())
    (tmp_path / "stage.env").write_text("STAGE=prod\n")
    unit = unit.replace("/etc/coldstart/stage.env", str(tmp_path / "stage.env"))
    (tmp_path / "coldstart.service").write_text(unit)
    result = subprocess.run(
        [analyze, "verify", str(tmp_path / "coldstart.service")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    exec_start = systemd_unit()["ExecStart"]
    assert exec_start.startswith("/opt/coldstart/venv/bin/lambda-bootstrap exec ${STAGE} -- ")


# -- the commands, run: a laptop's migrate, then each host's web process ----------------------------


@pytest.fixture(scope="module")
def hosts_database_url() -> Iterator[str]:
    with scratch_database(HOSTS_DATABASE) as url:
        yield url


def _secrets(database_url: str, values: dict[str, str]) -> list[str]:
    return [values["SECRET_KEY"], API_TOKEN, urlsplit(database_url).password or ""]


def _host_environment(endpoint: str, extra: dict[str, str]) -> dict[str, str]:
    """Only what the host gives a process: its file's settings, and the role's credentials (moto's fakes)."""
    aws = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    return {**aws, "AWS_ENDPOINT_URL": endpoint, "LANG": "C.UTF-8", **extra}


@pytest.fixture
def migrated(moto_endpoint: str, hosts_database_url: str) -> list[str]:
    """docs/hosts.md's laptop example: ``exec staging -- python manage.py migrate``; returns the secrets."""
    staging = seed_stage(APP, "staging", hosts_database_url, {"API_TOKEN": API_TOKEN}, moto_endpoint)
    prod = seed_stage(
        APP, "prod", hosts_database_url, {"API_TOKEN": API_TOKEN, "HEALTH_TOKEN": HEALTH_TOKEN}, moto_endpoint
    )
    env = _host_environment(moto_endpoint, {"PATH": f"{VENV_BIN}:/usr/bin:/bin"})
    result = subprocess.run(
        ["python", "-m", "lambda_bootstrap", "exec", "staging", "--", "python", "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Running migrations:" in result.stdout  # applied by the first test, "No migrations to apply" after
    secrets = _secrets(hosts_database_url, staging) + _secrets(hosts_database_url, prod)
    assert_nothing_leaked(secrets, result.stdout, result.stderr)
    return secrets


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _health(port: int) -> tuple[int, dict[str, object]] | None:
    headers = {"Host": "localhost", "Authorization": f"Bearer {HEALTH_TOKEN}"}  # the detailed report
    request = urllib.request.Request(f"http://127.0.0.1:{port}/health/", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own server on loopback
            return response.status, json.loads(response.read())
    except OSError:
        return None


HOSTS: dict[str, Callable[[str], HostCommand]] = {
    "docker": docker_command,
    "ec2-systemd": systemd_command,
    "elastic-beanstalk": procfile_command,
}


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("host", sorted(HOSTS))
def test_each_hosts_command_serves_health_and_stops_on_sigterm(
    host: str, migrated: list[str], moto_endpoint: str, tmp_path: Path
) -> None:
    command = HOSTS[host]("prod")
    port = _free_port()
    gunicorn = {"GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port} --workers 1"}  # a test port, not 0.0.0.0:8000
    log = (tmp_path / "output").open("w+")
    process = subprocess.Popen(
        command.argv,
        cwd=command.cwd,
        env=_host_environment(moto_endpoint, {**command.env, **gunicorn}),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        answer = None
        deadline = time.monotonic() + 90
        while answer is None and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            answer = _health(port)
        assert answer is not None, (tmp_path / "output").read_text()
        status, body = answer
        assert status == 200 and body["stage"] == "prod", body
        assert body["database"] == {"vendor": "postgresql", "ok": True, "last_heartbeat": None}
        # exec replaced each process in turn: the PID the host started is gunicorn's master.
        assert b"gunicorn" in Path(f"/proc/{process.pid}/cmdline").read_bytes()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0  # gunicorn's own graceful stop
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = (tmp_path / "output").read_text()
    assert "exec prod: " in output and "GET /health/" in output
    assert_nothing_leaked(migrated, output)
