"""``diff``: key names only, exit 1 when anything differs, 2 when AWS cannot be read."""

from __future__ import annotations

from pathlib import Path

from lambda_bootstrap.settings import read_settings
from testsupport.account import FakeAccount
from testsupport.clocks import FakeClock
from testsupport.leaks import assert_nothing_leaked

from .tooling import run, write_env

VALUE = "Diff-Secret-Value-42"


def test_equal_is_exit_0_and_differences_are_exit_1_by_name(project: Path, account: FakeAccount) -> None:
    account.parameters({"SECRET_KEY": VALUE, "ALLOWED_HOSTS": "example.com"})
    same = write_env(project, f"ALLOWED_HOSTS=example.com\nSECRET_KEY={VALUE}\n")
    equal = run("diff", "prod", "--against", same)
    assert equal.code == 0, equal.err
    assert "0 added, 0 changed, 0 removed, 2 unchanged" in equal.out

    other = write_env(project, f"SECRET_KEY={VALUE}-changed\nNEW_KEY={VALUE}\n", ".env.other")
    differs = run("diff", "prod", "--against", other)
    assert differs.code == 1
    assert (
        "+ NEW_KEY" in differs.out and "~ SECRET_KEY" in differs.out and "- ALLOWED_HOSTS  (only in AWS)" in differs.out
    )
    assert_nothing_leaked([VALUE], equal.text, differs.text)


def test_a_secrets_fields_compare_as_the_bootstrap_exports_them(project: Path, account: FakeAccount) -> None:
    account.secret("shop/prod/database", {"host": "db.internal.example", "port": 5432})
    env = write_env(project, "host=db.internal.example\nport=5432\n")
    result = run("diff", "prod", "--against", env, "--secret", "database")
    assert result.code == 0, result.out + result.err
    assert_nothing_leaked(["db.internal.example"], result.text)


def test_denied_or_unreachable_aws_is_exit_2_naming_the_action(project: Path, account: FakeAccount, aws_calls) -> None:
    env = write_env(project, f"SECRET_KEY={VALUE}\n")
    aws_calls.fail("GetParametersByPath", "AccessDeniedException")
    denied = run("diff", "prod", "--against", env)
    assert denied.code == 2
    assert "access denied reading ssm:/shop/prod/" in denied.err and "ssm:GetParametersByPath" in denied.err


def test_throttling_until_the_attempts_run_out_is_exit_2(
    project: Path, account: FakeAccount, aws_calls, fake_clock: FakeClock
) -> None:
    env = write_env(project, f"SECRET_KEY={VALUE}\n")
    aws_calls.fail("GetParametersByPath", "ThrottlingException")
    result = run("diff", "prod", "--against", env)
    assert result.code == 2
    attempts = read_settings({}).max_attempts
    assert f"failed {attempts} times (last: ThrottlingException)" in result.err
    assert len(fake_clock.slept) == attempts - 1  # backed off between attempts, on the fake clock
