"""push and diff on the bundle: plan by name, 64 KB, bad bundles, prune, and two operators pushing at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from testsupport.account import PATH, FakeAccount
from testsupport.leaks import assert_nothing_leaked

from .tooling import BUNDLE, BUNDLE_STAGES, bundle, bundle_text, run, ssm_values, use_stages, write_env

SECRET = "Sup3r-Secret-Value-1"
HOSTS = "api.example.com,www.example.com"


@pytest.fixture
def stages(project: Path) -> Path:
    use_stages(project, BUNDLE_STAGES)
    return project


def versions(account: FakeAccount, secret_id: str = BUNDLE) -> dict[str, list[str]]:
    return dict(account.secrets.describe_secret(SecretId=secret_id)["VersionIdsToStages"])


def test_the_bundle_is_the_default_target_and_a_push_creates_it(stages: Path, account: FakeAccount, aws_calls) -> None:
    env = write_env(stages, f"SECRET_KEY={SECRET}\nALLOWED_HOSTS={HOSTS}\n")
    dry = run("push", "prod", "--from", env, "--dry-run")
    assert dry.code == 0, dry.err
    assert f"secretsmanager:{BUNDLE} against .env.prod:" in dry.out
    assert "+ ALLOWED_HOSTS" in dry.out and "+ SECRET_KEY" in dry.out
    size = len(json.dumps({"SECRET_KEY": SECRET, "ALLOWED_HOSTS": HOSTS}, separators=(",", ":")))
    assert f"secretsmanager:{BUNDLE}: {size} of 65,536 bytes after this write" in dry.out
    assert "dry run: nothing written" in dry.out
    assert set(aws_calls.counts) == {"GetSecretValue"}

    pushed = run("push", "prod", "--from", env, "--yes")
    assert pushed.code == 0, pushed.err
    assert bundle(account) == {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": HOSTS}
    assert bundle_text(account) == json.dumps(
        {"ALLOWED_HOSTS": HOSTS, "SECRET_KEY": SECRET}, separators=(",", ":")
    )  # compact and sorted: the 64 KB go to values, and versions compare line by line
    assert f"created secretsmanager:{BUNDLE}" in pushed.err
    again = run("push", "prod", "--from", env, "--yes")
    assert again.code == 0 and "nothing to push" in again.out
    account.seeded_values += [SECRET, HOSTS]
    account.assert_nothing_leaked(dry.text, pushed.text, again.text)


def test_keys_only_in_the_bundle_are_kept_unless_pruned(stages: Path, account: FakeAccount) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": "old-secret-value", "OLD_KEY": "old-other-value"})
    env = write_env(stages, f"SECRET_KEY={SECRET}\nALLOWED_HOSTS={HOSTS}\n")
    kept = run("push", "prod", "--from", env, "--yes")
    assert kept.code == 0, kept.err
    assert "- OLD_KEY  (only in AWS: kept; --prune deletes it)" in kept.out
    assert "1 added, 1 changed, 1 removed, 0 unchanged" in kept.out
    assert bundle(account) == {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": HOSTS, "OLD_KEY": "old-other-value"}
    pruned = run("push", "prod", "--from", env, "--yes", "--prune")
    assert pruned.code == 0, pruned.err
    assert "- OLD_KEY  (only in AWS: will be deleted, --prune)" in pruned.out
    assert bundle(account) == {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": HOSTS}
    account.assert_nothing_leaked(kept.text, pruned.text)


def test_diff_names_the_keys_that_differ(stages: Path, account: FakeAccount) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": "old-secret-value", "ALLOWED_HOSTS": HOSTS})
    env = write_env(stages, f"SECRET_KEY={SECRET}\nALLOWED_HOSTS={HOSTS}\nNEW_KEY=new-key-value\n")
    differs = run("diff", "prod", "--against", env)
    assert differs.code == 1
    assert "~ SECRET_KEY  (value differs)" in differs.out and "+ NEW_KEY" in differs.out
    assert "1 added, 1 changed, 0 removed, 1 unchanged" in differs.out
    same = write_env(stages, f"SECRET_KEY=old-secret-value\nALLOWED_HOSTS={HOSTS}\n", ".env.same")
    assert run("diff", "prod", "--against", same).code == 0
    account.assert_nothing_leaked(differs.text)


def test_ssm_and_secret_flags_pick_the_other_targets(stages: Path, account: FakeAccount) -> None:
    env = write_env(stages, f"SECRET_KEY={SECRET}\n")
    to_ssm = run("push", "moving", "--from", env, "--yes", "--ssm")
    assert to_ssm.code == 0, to_ssm.err
    assert ssm_values(account) == {f"{PATH}SECRET_KEY": ("SecureString", SECRET)}
    twice = run("push", "moving", "--from", env, "--yes", "--secret", "config")
    assert twice.code == 2  # the SSM path produces SECRET_KEY already: two producers would stop the cold start
    producers = f"produced by both secretsmanager:{BUNDLE} key SECRET_KEY and ssm:{PATH}SECRET_KEY"
    assert f"environment key SECRET_KEY is {producers}" in twice.err
    account.ssm.delete_parameter(Name=f"{PATH}SECRET_KEY")
    by_name = run("push", "moving", "--from", env, "--yes", "--secret", "config")
    assert by_name.code == 0, by_name.err
    assert bundle(account) == {"SECRET_KEY": SECRET}
    no_path = run("push", "prod", "--from", env, "--yes", "--ssm")
    assert no_path.code == 2 and "has no BOOTSTRAP_SSM_PATH: --ssm has nothing to write to" in no_path.err
    with pytest.raises(SystemExit) as both:
        run("push", "prod", "--from", env, "--yes", "--ssm", "--secret", "database")
    assert both.value.code == 2  # argparse: --secret not allowed with --ssm


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"SECRET_KEY={SECRET}\nsecret_key={SECRET}\n", "line 2: invalid key secret_key: a bundle key is exported as"),
        (f"SECRET_KEY={SECRET}\ndb-host={SECRET}\n", "line 2: invalid key db-host"),
        (f"SECRET_KEY={SECRET}\n2FA={SECRET}\n", "line 2: invalid key 2FA"),
    ],
)
def test_a_key_that_is_not_an_environment_name_changes_nothing(
    stages: Path, account: FakeAccount, aws_calls, text: str, message: str
) -> None:
    env = write_env(stages, text)
    result = run("push", "prod", "--from", env, "--yes")
    assert result.code == 2
    assert message in result.err
    assert aws_calls.total == 0
    assert_nothing_leaked([SECRET], result.text)


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ('["one-list-Value"]', f"secretsmanager:{BUNDLE} is a bundle, so it must hold a JSON object"),
        ("plain-text-Value", f"secretsmanager:{BUNDLE} is a bundle, so it must hold a JSON object"),
        ('{"SECRET_KEY": "unterminated-Value', f"secretsmanager:{BUNDLE} looks like a JSON object but does not parse"),
    ],
)
def test_a_bundle_that_is_no_json_object_is_named_and_never_overwritten(
    stages: Path, account: FakeAccount, aws_calls, stored: str, message: str
) -> None:
    account.secret(BUNDLE, stored)
    account.seeded_values += ["one-list-Value", "unterminated-Value"]
    env = write_env(stages, f"SECRET_KEY={SECRET}\n")
    for command in (["push", "prod", "--from", env, "--yes", "--prune"], ["diff", "prod", "--against", env]):
        result = run(*command)
        assert result.code == 2, result.text
        assert message in result.err
        account.assert_nothing_leaked(result.text)
    assert aws_calls.counts["PutSecretValue"] == 0
    assert bundle_text(account) == stored


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        (
            '{"SECRET_KEY": "a-good-Value", "db-host": "db-host-Value"}',
            f"'db-host' from secretsmanager:{BUNDLE} cannot become an environment key",
        ),
        (
            '{"SECRET_KEY": "a-good-Value", "PORTS": [5432, 5433]}',
            f"secretsmanager:{BUNDLE}: the value of PORTS is a list, and a bundle holds strings only",
        ),
    ],
)
def test_a_bundle_the_cold_start_refuses_is_kept_by_a_push_and_repaired_by_a_prune(
    stages: Path, account: FakeAccount, aws_calls, stored: str, message: str
) -> None:
    account.secret(BUNDLE, stored)
    account.seeded_values += ["a-good-Value", "db-host-Value"]
    env = write_env(stages, f"SECRET_KEY={SECRET}\n")
    refused = run("push", "prod", "--from", env, "--yes")  # the bad key would stay: the write is refused
    assert refused.code == 2, refused.text
    assert message in refused.err
    assert aws_calls.counts["PutSecretValue"] == 0
    differs = run("diff", "prod", "--against", env)
    assert differs.code == 1 and "(only in AWS)" in differs.out
    repaired = run("push", "prod", "--from", env, "--yes", "--prune")
    assert repaired.code == 0, repaired.text
    assert bundle(account) == {"SECRET_KEY": SECRET}
    for result in (refused, differs, repaired):
        account.assert_nothing_leaked(result.text)


def test_a_bundle_past_64_kb_is_refused_before_writing_naming_the_size(
    stages: Path, account: FakeAccount, aws_calls
) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": SECRET})
    around = len(json.dumps({"BIG": "", "SECRET_KEY": SECRET}, separators=(",", ":")))  # bytes around BIG's value
    fits = write_env(stages, "BIG=" + "x" * (65_536 - around) + "\n", ".env.fits")
    too_big = write_env(stages, "BIG=" + "é" * ((65_536 - around) // 2 + 1) + "\n", ".env.big")  # 2 bytes each
    for args in (["--dry-run"], ["--yes"]):
        refused = run("push", "prod", "--from", too_big, *args)
        assert refused.code == 2, refused.text
        assert (
            f"secretsmanager:{BUNDLE} would hold 65,538 bytes of JSON after this write, past Secrets Manager's "
            "limit of 65,536 bytes" in refused.err
        )
        assert "nothing written" in refused.err
        assert "é" not in refused.text
    assert aws_calls.counts["PutSecretValue"] == 0
    assert bundle(account) == {"SECRET_KEY": SECRET}
    accepted = run("push", "prod", "--from", fits, "--yes")
    assert accepted.code == 0, accepted.err
    assert "65,536 of 65,536 bytes" in accepted.out
    assert len(bundle_text(account).encode()) == 65_536


def test_a_push_that_read_an_older_version_stops_before_writing(
    stages: Path, account: FakeAccount, aws_calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two operators: A reads, B pushes in full, then A is about to write. A must not erase B's key."""
    account.secret(BUNDLE, {"SECRET_KEY": SECRET})
    mine = write_env(stages, "ALLOWED_HOSTS=mine-hosts-value\n", ".env.a")
    theirs = write_env(stages, "SENTRY_URL=https://their-sentry-value.example\n", ".env.b")
    second: dict[str, Any] = {}
    _run_once_before(
        aws_calls,
        monkeypatch,
        "DescribeSecret",
        lambda: second.update(r=run("push", "prod", "--from", theirs, "--yes")),
    )

    first = run("push", "prod", "--from", mine, "--yes")
    assert second["r"].code == 0, second["r"].err
    assert first.code == 4, first.text
    assert f"CONCURRENT WRITE: secretsmanager:{BUNDLE} changed since this push read it" in first.err
    assert "Nothing written" in first.err
    assert bundle(account) == {"SECRET_KEY": SECRET, "SENTRY_URL": "https://their-sentry-value.example"}

    again = run("push", "prod", "--from", mine, "--yes")  # as told: run it again
    assert again.code == 0, again.err
    assert set(bundle(account)) == {"SECRET_KEY", "SENTRY_URL", "ALLOWED_HOSTS"}
    account.seeded_values += ["mine-hosts-value", "https://their-sentry-value.example"]
    account.assert_nothing_leaked(first.text, second["r"].text, again.text)


def test_a_write_landing_between_the_check_and_the_write_is_reported_with_the_keys_it_lost(
    stages: Path, account: FakeAccount, aws_calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": HOSTS, "DEBUG_TOOLBAR": "off-value"})
    read_version = next(iter(versions(account)))

    def other_operator() -> None:  # adds one key, changes one, deletes one: all three are lost by our write
        other = {"SECRET_KEY": "rotated-secret-value", "ALLOWED_HOSTS": HOSTS, "NEW_FLAG": "their-new-value"}
        account.secrets.put_secret_value(SecretId=BUNDLE, SecretString=json.dumps(other))

    _run_once_before(aws_calls, monkeypatch, "PutSecretValue", other_operator)
    env = write_env(stages, "ALLOWED_HOSTS=mine-hosts-value\n")
    result = run("push", "prod", "--from", env, "--yes")
    assert result.code == 4, result.text
    assert f"CONCURRENT WRITE: secretsmanager:{BUNDLE}: ANOTHER WRITE landed between" in result.err
    assert "may have been lost: DEBUG_TOOLBAR, NEW_FLAG, SECRET_KEY." in result.err
    stages_now = versions(account)
    assert stages_now[read_version] == []  # the version we read is no longer even AWSPREVIOUS
    account.seeded_values += ["rotated-secret-value", "their-new-value", "mine-hosts-value"]
    account.assert_nothing_leaked(result.text)


def test_two_pushes_creating_the_bundle_at_once(
    stages: Path, account: FakeAccount, aws_calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = write_env(stages, "ALLOWED_HOSTS=mine-hosts-value\n", ".env.a")
    theirs = write_env(stages, f"SECRET_KEY={SECRET}\n", ".env.b")
    second: dict[str, Any] = {}
    _run_once_before(
        aws_calls, monkeypatch, "CreateSecret", lambda: second.update(r=run("push", "prod", "--from", theirs, "--yes"))
    )
    first = run("push", "prod", "--from", mine, "--yes")
    assert second["r"].code == 0, second["r"].err
    assert first.code == 4, first.text
    assert "did not exist when this push read it, and exists now" in first.err
    assert bundle(account) == {"SECRET_KEY": SECRET}


def test_a_stage_secret_gets_the_same_detection(
    stages: Path, account: FakeAccount, aws_calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = "shop/prod/database"
    fields = {"engine": "postgres", "host": "db-host-name", "port": 5432, "username": "app", "password": SECRET}
    account.secret(database, fields)
    _run_once_before(
        aws_calls,
        monkeypatch,
        "DescribeSecret",
        lambda: account.secrets.put_secret_value(
            SecretId=database, SecretString=json.dumps({"password": "rotated-Pw-1"})
        ),
    )
    env = write_env(stages, "host=new-db-host\n")
    result = run("push", "prod", "--from", env, "--secret", "database", "--yes")
    assert result.code == 4, result.text
    assert f"secretsmanager:{database} changed since this push read it" in result.err
    assert json.loads(bundle_text(account, database)) == {"password": "rotated-Pw-1"}
    account.seeded_values += ["rotated-Pw-1", "new-db-host"]
    account.assert_nothing_leaked(result.text)


def _run_once_before(aws_calls, monkeypatch: pytest.MonkeyPatch, operation: str, action) -> None:
    """Run ``action`` (another operator) once, just before this process's first ``operation`` call."""
    intercept = aws_calls.intercept
    pending = [action]

    def interleave(name: str) -> None:
        if name == operation and pending:
            pending.pop()()
        intercept(name)

    monkeypatch.setattr(aws_calls, "intercept", interleave)


def test_a_write_that_cannot_be_verified_says_it_was_written(
    stages: Path, account: FakeAccount, aws_calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": SECRET})
    intercept = aws_calls.intercept

    def deny_the_check_after_the_write(name: str) -> None:
        if name == "DescribeSecret" and aws_calls.counts["PutSecretValue"]:
            aws_calls.fail("DescribeSecret", "AccessDeniedException", times=1)
        intercept(name)

    monkeypatch.setattr(aws_calls, "intercept", deny_the_check_after_the_write)
    env = write_env(stages, "ALLOWED_HOSTS=mine-hosts-value\n")
    result = run("push", "prod", "--from", env, "--yes")
    assert result.code == 4, result.text
    assert "this push wrote version" in result.err and "could not check that no other write raced it" in result.err
    assert "secretsmanager:DescribeSecret" in result.err
    assert bundle(account)["ALLOWED_HOSTS"] == "mine-hosts-value"
