"""Honest errors: every AWS-side or configuration failure is exit 2 and one line naming its cause."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambda_bootstrap_cli import aws as cli_aws
from testsupport.account import PATH, FakeAccount
from testsupport.stage import seed_stage

from .tooling import STAGES, run, ssm_values, write_env

SECRET = "Sup3r-Secret-Value-1"


def one_attempt(project: Path) -> None:
    """Stage prod with BOOTSTRAP_MAX_ATTEMPTS=1: a failing call gives up at once, no back-off to sleep through."""
    stages = json.loads(json.dumps(STAGES))
    stages["prod"]["environment_variables"]["BOOTSTRAP_MAX_ATTEMPTS"] = "1"
    (project / "zappa_settings.json").write_text(json.dumps(stages), encoding="utf-8")


def assert_one_line_exit_2(result, *names: str) -> None:
    assert result.code == 2, result.text
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.err
    assert "Traceback" not in result.text
    for name in names:
        assert name in errors[0], (name, errors[0])


def test_a_misspelt_profile(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "prodd")
    result = run("check", "prod")
    assert_one_line_exit_2(result, "profile prodd (AWS_PROFILE) is in no AWS config file")


def test_a_malformed_endpoint(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "localhost:4566 oops")
    result = run("check", "prod")
    assert_one_line_exit_2(result, "AWS_ENDPOINT_URL", "malformed", "profile default")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_closed_port_names_the_endpoint(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one_attempt(project)
    endpoint = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    result = run("check", "prod")
    assert_one_line_exit_2(result, f"endpoint {endpoint}", "ssm:GetParametersByPath", "ssm:/shop/prod/")


@pytest.fixture
def hung_endpoint() -> Iterator[str]:
    """Accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


@pytest.mark.e2e  # a real socket that never answers, and the real deadline
def test_a_hung_endpoint_ends_within_the_operators_deadline_with_progress(
    project: Path, hung_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", hung_endpoint)
    monkeypatch.setattr(cli_aws, "PROGRESS_AFTER", 0.3)
    started = time.monotonic()
    result = run("check", "prod", "--timeout", "1.5")
    elapsed = time.monotonic() - started
    assert_one_line_exit_2(result, "got no answer within 1.5 s", "--timeout or BOOTSTRAP_CLI_TIMEOUT", hung_endpoint)
    assert elapsed < 6, elapsed
    assert "still waiting for ssm:GetParametersByPath on ssm:/shop/prod/" in result.err


@pytest.mark.e2e  # a real socket that never answers, and the real deadline
def test_the_deadline_from_the_environment_and_a_bad_one(
    project: Path, hung_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", hung_endpoint)
    monkeypatch.setenv("BOOTSTRAP_CLI_TIMEOUT", "1")
    started = time.monotonic()
    result = run("check", "prod")
    assert time.monotonic() - started < 5
    assert_one_line_exit_2(result, "got no answer within 1 s")
    monkeypatch.setenv("BOOTSTRAP_CLI_TIMEOUT", "soon")
    assert_one_line_exit_2(run("check", "prod"), "BOOTSTRAP_CLI_TIMEOUT must be a number of seconds")


@pytest.fixture
def html_endpoint() -> Iterator[str]:
    """Answers every request with an HTML error page, as a proxy or a captive portal does."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b"<html><body><h1>403 Forbidden</h1>"
            self.send_response(403)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_an_error_body_that_is_not_xml(moto_endpoint: str, html_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_stage("coldstart", "prod", "postgres://app:Db-Pa55word-xyz@db.example:5432/app", endpoint=moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", html_endpoint)
    root = Path(__file__).resolve().parents[2]
    result = run("check", "prod", "--settings", str(root / "zappa_settings.json"))
    assert_one_line_exit_2(result, "iam:ListRolePolicies", "not XML", html_endpoint, "IAM role coldstart-prod")
    assert "403 Forbidden" not in result.text


def test_a_denied_push_names_the_callers_identity_and_not_the_lambdas_role(
    project: Path, account: FakeAccount, aws_calls
) -> None:
    env = write_env(project, f"SECRET_KEY={SECRET}\n")
    aws_calls.fail("PutParameter", "AccessDeniedException")
    result = run("push", "prod", "--from", env, "--yes")
    assert result.code == 2, result.text  # nothing was written
    assert "access denied writing ssm:/shop/prod/SECRET_KEY" in result.err
    assert "arn:aws:sts::123456789012:user/moto may not ssm:PutParameter" in result.err
    assert "profile default" in result.err and "endpoint https://ssm.us-east-1.amazonaws.com" in result.err
    assert "never to the Lambda's role" in result.err
    assert "role needs" not in result.err
    assert "written (0)" in result.err
    assert ssm_values(account) == {}
    assert SECRET not in result.text


def test_a_denied_read_names_the_caller_too(project: Path, account: FakeAccount, aws_calls) -> None:
    aws_calls.fail("GetParametersByPath", "AccessDeniedException")
    result = run("check", "prod")
    assert_one_line_exit_2(
        result, "access denied reading ssm:/shop/prod/", "user/moto may not ssm:GetParametersByPath", "profile default"
    )


def test_an_account_that_is_not_12_digits_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run("policy", "prod", "--account", "abc")
    assert exited.value.code == 2
    assert "an AWS account id is 12 digits" in capsys.readouterr().err
    assert run("policy", "prod", "--account", "123456789012").code == 0


def test_the_prompt_counts_writes_and_deletions_apart(project: Path, account: FakeAccount) -> None:
    account.parameters({"SECRET_KEY": "old-secret-value", **{f"OLD_{n}": f"old-value-{n}" for n in range(4)}})
    env = write_env(project, f"SECRET_KEY={SECRET}\n")
    declined = run("push", "prod", "--from", env, "--prune", stdin="n\n", tty=True)
    assert "write 1 key and delete 4 keys in ssm:/shop/prod/ (us-east-1)? [y/N]" in declined.err
    assert sorted(ssm_values(account)) == sorted(f"{PATH}{k}" for k in ["SECRET_KEY", *(f"OLD_{n}" for n in range(4))])


def test_no_credentials_at_all(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one_attempt(project)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    result = run("check", "prod")
    assert_one_line_exit_2(result, "Unable to locate credentials", "ssm:GetParametersByPath", "profile default")
