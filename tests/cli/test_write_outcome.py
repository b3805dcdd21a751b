"""Reports that are true: a write whose answer never came is "unknown" (exit 5), never "nothing written".

"Nothing written" only when nothing was sent; a version sent under a pending
label and never made current is "nothing of it became current"; a write that
landed before an interrupt "stands".
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from lambda_bootstrap_cli.commands.roll import VERSION_VARIABLE
from testsupport.account import PATH, FakeAccount
from testsupport.aws_calls import AwsCalls
from testsupport.aws_proxy import AwsProxy
from testsupport.clocks import FakeClock
from testsupport.secrets import current_text
from testsupport.stage import deploy_function, seed_stage

from .tooling import BUNDLE, bundle, run, ssm_values, write_env

SECRET = "Sup3r-Secret-Value-1"
ROOT = Path(__file__).resolve().parents[2]
SETTINGS = str(ROOT / "zappa_settings.json")
DATABASE_URL = "postgres://app:Db-Pa55word-xyz@db.internal.example:5432/coldstart"


def interrupt_after(aws_calls: AwsCalls, operation: str, nth: int = 1) -> None:
    """Ctrl-C once the ``nth`` ``operation`` request has been sent and answered, before its answer is read."""
    seen = [0]

    def answer_then_interrupt(answer: dict[str, Any]) -> dict[str, Any]:
        seen[0] += 1
        if seen[0] == nth:
            raise KeyboardInterrupt
        return answer

    aws_calls.rewrite(operation, answer_then_interrupt)


def push_interrupted(account: FakeAccount, aws_calls: AwsCalls, operation: str, nth: int = 1) -> Any:
    """``push prod`` of one key to the bundle, with Ctrl-C once the ``nth`` ``operation`` was sent."""
    account.secret(BUNDLE, {"SECRET_KEY": SECRET})
    env = write_env(Path.cwd(), "ALLOWED_HOSTS=mine-hosts-value\n")
    interrupt_after(aws_calls, operation, nth)
    return run("push", "prod", "--from", env, "--yes")


def assert_unknown(result: Any, find_out: str) -> None:
    assert result.code == 5, result.text
    assert "OUTCOME UNKNOWN: " in result.err and "it may have landed" in result.err
    assert f"find out: {find_out}" in result.err
    assert "nothing written" not in result.text


def test_an_interrupt_after_the_swap_was_sent_is_unknown_and_the_diff_finds_it_landed(
    bundle_project: Path, account: FakeAccount, aws_calls: AwsCalls, fake_clock: FakeClock
) -> None:
    result = push_interrupted(account, aws_calls, "UpdateSecretVersionStage")
    assert_unknown(result, "lambda-bootstrap diff prod --against .env.prod")
    assert "the swap of AWSCURRENT to version " in result.err and "interrupted (Ctrl-C)" in result.err
    assert bundle(account)["ALLOWED_HOSTS"] == "mine-hosts-value"  # it had landed
    found_out = run("diff", "prod", "--against", ".env.prod")  # what the message says to run
    assert "0 added, 0 changed, 1 removed, 1 unchanged" in found_out.out  # the file's key landed
    account.seeded_values.append("mine-hosts-value")
    account.assert_nothing_leaked(result.text)


def test_an_interrupt_after_the_swap_landed_says_the_write_stands(
    bundle_project: Path, account: FakeAccount, aws_calls: AwsCalls, fake_clock: FakeClock
) -> None:
    """Ctrl-C while the pending label is taken off, after AWSCURRENT moved: written, not "nothing written"."""
    result = push_interrupted(account, aws_calls, "UpdateSecretVersionStage", nth=2)
    assert result.code == 3, result.text
    assert "stopped: interrupted (Ctrl-C)" in result.err and "written (1): ALLOWED_HOSTS" in result.err
    assert "nothing written" not in result.text
    assert bundle(account)["ALLOWED_HOSTS"] == "mine-hosts-value"


def test_an_interrupt_while_the_pending_version_is_sent_makes_nothing_current(
    bundle_project: Path, account: FakeAccount, aws_calls: AwsCalls, fake_clock: FakeClock
) -> None:
    result = push_interrupted(account, aws_calls, "PutSecretValue")
    assert result.code == 2, result.text
    assert "stopped before this write became current (interrupted (Ctrl-C)): nothing of it became current" in (
        result.err
    )
    assert "not written: ALLOWED_HOSTS" in result.err
    assert aws_calls.counts["UpdateSecretVersionStage"] == 0
    assert bundle(account) == {"SECRET_KEY": SECRET}


def test_an_interrupt_before_any_write_says_nothing_written(
    bundle_project: Path, account: FakeAccount, aws_calls: AwsCalls
) -> None:
    result = push_interrupted(account, aws_calls, "GetSecretValue")
    assert result.code == 2, result.text
    assert "interrupted before any write was sent: nothing written" in result.err


def test_an_ssm_put_interrupted_after_it_was_sent_names_what_landed_what_may_have_and_what_did_not(
    project: Path, account: FakeAccount, aws_calls: AwsCalls
) -> None:
    env = write_env(project, "A_KEY=value-of-a-key\nB_KEY=value-of-b-key\nC_KEY=value-of-c-key\n")
    interrupt_after(aws_calls, "PutParameter", nth=2)
    result = run("push", "prod", "--from", env, "--yes")
    assert_unknown(result, "lambda-bootstrap diff prod --ssm --against .env.prod")
    assert "ssm:/shop/prod/: the put of B_KEY was sent" in result.err
    assert "written (1): A_KEY" in result.err
    assert "may have landed (1): B_KEY" in result.err
    assert "not written (1): C_KEY" in result.err
    assert sorted(ssm_values(account)) == [f"{PATH}A_KEY", f"{PATH}B_KEY"]


def test_an_interrupted_roll_after_a_push_says_the_push_stands(
    account: FakeAccount, aws_calls: AwsCalls, tmp_path: Path, fake_clock: FakeClock
) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    env = write_env(tmp_path, "DJANGO_LOG_LEVEL=INFO\n")
    interrupt_after(aws_calls, "GetFunctionConfiguration")
    deploy_function("coldstart-prod", alias="snapstart")  # prod as Zappa deploys it: SnapStart, an alias
    result = run("push", "prod", "--from", str(tmp_path / env), "--settings", SETTINGS, "--yes", "--roll")
    assert result.code == 3, result.text
    assert "the write is complete, but the stage may not be rolled: interrupted (Ctrl-C)" in result.err
    assert "finish with: lambda-bootstrap roll prod" in result.err
    assert "nothing written" not in result.text
    assert bundle(account, "coldstart/prod/config")["DJANGO_LOG_LEVEL"] == "INFO"


def test_a_roll_interrupted_after_its_update_was_sent_is_unknown(
    account: FakeAccount, aws_calls: AwsCalls, fake_clock: FakeClock
) -> None:
    """No write path of its own catches it: main's journal knows what was sent."""
    seed_stage("coldstart", "prod", DATABASE_URL)
    deploy_function("coldstart-prod", alias="snapstart")  # prod as Zappa deploys it: SnapStart, an alias
    interrupt_after(aws_calls, "UpdateFunctionConfiguration")
    result = run("roll", "prod", "--settings", SETTINGS)
    assert result.code == 5, result.text
    assert "OUTCOME UNKNOWN: sent, and no answer came: lambda:UpdateFunctionConfiguration on Lambda function" in (
        result.err
    )
    assert "nothing written" not in result.text
    variables = boto3.client("lambda").get_function_configuration(FunctionName="coldstart-prod")
    assert VERSION_VARIABLE in variables["Environment"]["Variables"]  # it had landed


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("target", "hang_on"),
    [("bundle", "secretsmanager.UpdateSecretVersionStage"), ("ssm", "AmazonSSM.PutParameter")],
)
def test_a_write_whose_answer_comes_after_the_timeout_is_unknown_and_lands(
    project: Path, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, target: str, hang_on: str
) -> None:
    """Through a proxy that forwards the write 2 s late: the tool gives up at --timeout 1, AWS applies it."""
    secrets = boto3.client("secretsmanager", endpoint_url=moto_endpoint)
    if target == "bundle":
        settings = json.loads((project / "zappa_settings.json").read_text())
        settings["prod"]["environment_variables"]["BOOTSTRAP_BUNDLE"] = "config"
        del settings["prod"]["environment_variables"]["BOOTSTRAP_SSM_PATH"]
        (project / "zappa_settings.json").write_text(json.dumps(settings))
        secrets.create_secret(Name=BUNDLE, SecretString=json.dumps({"SECRET_KEY": SECRET}))
    env = write_env(project, "ALLOWED_HOSTS=late-hosts-value\n")
    with AwsProxy(moto_endpoint, hang=2.0, only=(hang_on,)) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        result = run("push", "prod", "--from", env, "--yes", "--timeout", "1")
        _wait_for(lambda: proxy.stats.requests[hang_on] == 1 and proxy.stats.busy >= 2.0)
    selector = "" if target == "bundle" else " --ssm"
    assert_unknown(result, f"lambda-bootstrap diff prod{selector} --against .env.prod")
    assert "got no answer within 1 s" in result.err
    if target == "bundle":
        assert json.loads(current_text(secrets, BUNDLE))["ALLOWED_HOSTS"] == "late-hosts-value"
    else:
        assert "may have landed (1): ALLOWED_HOSTS" in result.err
        ssm = boto3.client("ssm", endpoint_url=moto_endpoint)
        assert ssm.get_parameter(Name=f"{PATH}ALLOWED_HOSTS", WithDecryption=True)["Parameter"]["Value"] == (
            "late-hosts-value"
        )


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "the proxy never forwarded the late request"
        time.sleep(0.05)
