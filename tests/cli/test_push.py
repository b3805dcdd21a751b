"""``push``: plan by key name, confirmation, dry run, partial failure, and never a value on screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from testsupport.account import PATH, FakeAccount
from testsupport.leaks import assert_nothing_leaked

from .tooling import bundle, run, ssm_values, write_env

SECRET = "Sup3r-Secret-Value-1"
HOSTS = "api.example.com,www.example.com"


def assert_no_value(text: str, *values: str) -> None:
    assert_nothing_leaked(values, text)


def test_dry_run_shows_the_plan_by_name_and_writes_nothing(project: Path, account: FakeAccount, aws_calls) -> None:
    account.parameters({"SECRET_KEY": "old-secret-value", "OLD_KEY": "old-other-value"})
    env = write_env(project, f"SECRET_KEY={SECRET}\nALLOWED_HOSTS={HOSTS}\n")
    before = ssm_values(account)
    aws_calls.reset()
    result = run("push", "prod", "--from", env, "--dry-run")
    assert result.code == 0, result.err
    assert "+ ALLOWED_HOSTS" in result.out
    assert "~ SECRET_KEY" in result.out
    assert "- OLD_KEY  (only in AWS: kept; --prune deletes it)" in result.out
    assert "1 added, 1 changed, 1 removed, 0 unchanged" in result.out
    assert "dry run: nothing written" in result.out
    assert ssm_values(account) == before
    assert set(aws_calls.counts) == {"GetParametersByPath", "GetSecretValue"}  # reads only: the other sources too
    assert_no_value(result.text, SECRET, HOSTS, *account.seeded_values)


def test_push_yes_writes_secure_strings_and_a_second_push_has_nothing_to_do(
    project: Path, account: FakeAccount
) -> None:
    env = write_env(project, f"SECRET_KEY={SECRET}\nALLOWED_HOSTS={HOSTS}\n")
    result = run("push", "prod", "--from", env, "--yes")
    assert result.code == 0, result.err
    assert ssm_values(account) == {
        f"{PATH}SECRET_KEY": ("SecureString", SECRET),
        f"{PATH}ALLOWED_HOSTS": ("SecureString", HOSTS),
    }
    assert "[1/2] put ALLOWED_HOSTS" in result.err and "[2/2] put SECRET_KEY" in result.err
    again = run("push", "prod", "--from", env, "--yes")
    assert again.code == 0 and "nothing to push" in again.out
    assert_no_value(result.text + again.text, SECRET, HOSTS)


def test_prune_deletes_keys_only_in_aws_and_a_nested_name_is_overwritten_in_place(
    project: Path, account: FakeAccount
) -> None:
    account.parameters({"OLD_KEY": "old-other-value", "db/host": "old-host-name"})
    env = write_env(project, "DB_HOST=new-host-name\n")
    result = run("push", "prod", "--from", env, "--yes", "--prune")
    assert result.code == 0, result.err
    assert ssm_values(account) == {f"{PATH}db/host": ("SecureString", "new-host-name")}
    assert "deleted OLD_KEY" in result.err


def test_terminal_confirmation(project: Path, account: FakeAccount) -> None:
    env = write_env(project, f"SECRET_KEY={SECRET}\n")
    declined = run("push", "prod", "--from", env, stdin="n\n", tty=True)
    assert declined.code == 1 and "nothing written" in declined.out
    assert ssm_values(account) == {}
    accepted = run("push", "prod", "--from", env, stdin="y\n", tty=True)
    assert accepted.code == 0, accepted.err
    assert "[y/N]" in accepted.err
    assert ssm_values(account) == {f"{PATH}SECRET_KEY": ("SecureString", SECRET)}


def test_no_terminal_and_no_yes_is_refused_before_any_aws_call(project: Path, account: FakeAccount, aws_calls) -> None:
    env = write_env(project, f"SECRET_KEY={SECRET}\n")
    aws_calls.reset()
    result = run("push", "prod", "--from", env)
    assert result.code == 2
    assert "pass --yes" in result.err
    assert aws_calls.total == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"SECRET_KEY={SECRET}\nnot a key value line {SECRET}\n", ".env.prod, line 2: expected KEY=value"),
        (f"SECRET_KEY={SECRET}\ndb-host={SECRET}\n", ".env.prod, line 2: invalid key"),
        (f"SECRET_KEY={SECRET}\nallowed_hosts={SECRET}\n", "line 2: invalid key allowed_hosts: it would load as"),
        (f"SECRET_KEY={SECRET}\n2FA={SECRET}\n", "line 2: invalid key"),
        ("SECRET_KEY=\n", "line 1: SECRET_KEY is empty"),
    ],
)
def test_bad_input_changes_nothing_and_names_the_line(
    project: Path, account: FakeAccount, aws_calls, text: str, message: str
) -> None:
    env = write_env(project, text)
    aws_calls.reset()
    result = run("push", "prod", "--from", env, "--yes")
    assert result.code == 2
    assert message in result.err
    assert aws_calls.total == 0
    assert_no_value(result.text, SECRET)


def test_unknown_stage_and_missing_file(project: Path, account: FakeAccount) -> None:
    env = write_env(project, f"SECRET_KEY={SECRET}\n")
    unknown = run("push", "qa", "--from", env, "--yes")
    assert unknown.code == 2 and "stage 'qa' is not in" in unknown.err
    missing = run("push", "prod", "--from", ".env.nope", "--yes")
    assert missing.code == 2 and ".env.nope: no such file" in missing.err


def test_denied_read_names_the_action_and_writes_nothing(project: Path, account: FakeAccount, aws_calls) -> None:
    env = write_env(project, f"SECRET_KEY={SECRET}\n")
    aws_calls.fail("GetParametersByPath", "AccessDeniedException", message="not authorized")
    result = run("push", "prod", "--from", env, "--yes")
    assert result.code == 2
    assert "access denied reading ssm:/shop/prod/" in result.err
    assert "ssm:GetParametersByPath" in result.err
    assert aws_calls.counts["PutParameter"] == 0


def test_push_failing_midway_reports_written_and_not_written(
    project: Path, account: FakeAccount, aws_calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = ["A_KEY", "B_KEY", "C_KEY", "D_KEY"]
    env = write_env(project, "".join(f"{k}=value-of-{k.lower()}-{SECRET}\n" for k in keys))
    intercept = aws_calls.intercept

    def deny_the_third_put(operation: str) -> None:
        if operation == "PutParameter" and aws_calls.counts[operation] == 2:
            aws_calls.fail("PutParameter", "AccessDeniedException", times=1)
        intercept(operation)

    monkeypatch.setattr(aws_calls, "intercept", deny_the_third_put)
    result = run("push", "prod", "--from", env, "--yes")
    assert result.code == 3
    assert "written (2): A_KEY, B_KEY" in result.err
    assert "not written (2): C_KEY, D_KEY" in result.err
    assert "ssm:PutParameter" in result.err
    assert sorted(ssm_values(account)) == [f"{PATH}A_KEY", f"{PATH}B_KEY"]
    assert_no_value(result.text, SECRET)

    finish = run("push", "prod", "--from", env, "--yes")
    assert finish.code == 0, finish.err
    assert "2 added, 0 changed, 0 removed, 2 unchanged" in finish.out
    assert sorted(ssm_values(account)) == [f"{PATH}{k}" for k in keys]


def test_push_to_a_stage_secret_keeps_fields_and_types_unless_pruned(project: Path, account: FakeAccount) -> None:
    account.secret(
        "shop/prod/database",
        {"engine": "postgres", "host": "old-db-host", "port": 5432, "username": "app", "extra": "x"},
    )
    env = write_env(project, f"engine=postgres\nhost=new-db-host\nport=5432\nusername=app\npassword={SECRET}\n")
    result = run("push", "prod", "--from", env, "--secret", "database", "--yes")
    assert result.code == 0, result.err
    assert "secretsmanager:shop/prod/database against .env.prod:" in result.out
    assert "1 added, 1 changed, 1 removed, 3 unchanged" in result.out
    stored = bundle(account, "shop/prod/database")
    assert stored == {
        "engine": "postgres",
        "host": "new-db-host",
        "port": 5432,
        "username": "app",
        "extra": "x",
        "password": SECRET,
    }
    pruned = run("push", "prod", "--from", env, "--secret", "database", "--yes", "--prune")
    assert pruned.code == 0, pruned.err
    stored = bundle(account, "shop/prod/database")
    assert "extra" not in stored and stored["port"] == 5432
    assert_no_value(result.text + pruned.text, SECRET, "new-db-host", "old-db-host")


def test_push_creates_a_missing_secret_and_rejects_a_secret_the_stage_does_not_load(
    project: Path, account: FakeAccount
) -> None:
    env = write_env(project, f"password={SECRET}\n")
    created = run("push", "prod", "--from", env, "--secret", "shop/prod/database", "--yes")
    assert created.code == 0, created.err
    stored = bundle(account, "shop/prod/database")
    assert stored == {"password": SECRET}
    other = run("push", "prod", "--from", env, "--secret", "shop/staging/database", "--yes")
    assert other.code == 2 and "does not load secret 'shop/staging/database'" in other.err
    bad_field = write_env(project, f"pass-word={SECRET}\n")
    invalid = run("push", "prod", "--from", bad_field, "--secret", "database", "--yes")
    assert invalid.code == 2 and "line 1: invalid field" in invalid.err
