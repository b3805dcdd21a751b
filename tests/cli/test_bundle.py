"""push and diff on the bundle: plan by name, 64 KB, bad bundles, prune (two writers at once: test_compare_and_swap)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testsupport.account import PATH, FakeAccount
from testsupport.leaks import assert_nothing_leaked

from .tooling import BUNDLE, bundle, bundle_text, run, ssm_values, write_env

SECRET = "Sup3r-Secret-Value-1"
HOSTS = "api.example.com,www.example.com"


def test_the_bundle_is_the_default_target_and_a_push_creates_it(
    bundle_project: Path, account: FakeAccount, aws_calls
) -> None:
    env = write_env(bundle_project, f"SECRET_KEY={SECRET}\nALLOWED_HOSTS={HOSTS}\n")
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


def test_keys_only_in_the_bundle_are_kept_unless_pruned(bundle_project: Path, account: FakeAccount) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": "old-secret-value", "OLD_KEY": "old-other-value"})
    env = write_env(bundle_project, f"SECRET_KEY={SECRET}\nALLOWED_HOSTS={HOSTS}\n")
    kept = run("push", "prod", "--from", env, "--yes")
    assert kept.code == 0, kept.err
    assert "- OLD_KEY  (only in AWS: kept; --prune deletes it)" in kept.out
    assert "1 added, 1 changed, 1 removed, 0 unchanged" in kept.out
    assert bundle(account) == {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": HOSTS, "OLD_KEY": "old-other-value"}
    pruned = run("push", "prod", "--from", env, "--yes", "--prune")
    assert pruned.code == 0, pruned.err
    assert "- OLD_KEY  (only in AWS: will be deleted)" in pruned.out
    assert bundle(account) == {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": HOSTS}
    account.assert_nothing_leaked(kept.text, pruned.text)


def test_diff_names_the_keys_that_differ(bundle_project: Path, account: FakeAccount) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": "old-secret-value", "ALLOWED_HOSTS": HOSTS})
    env = write_env(bundle_project, f"SECRET_KEY={SECRET}\nALLOWED_HOSTS={HOSTS}\nNEW_KEY=new-key-value\n")
    differs = run("diff", "prod", "--against", env)
    assert differs.code == 1
    assert "~ SECRET_KEY  (value differs)" in differs.out and "+ NEW_KEY" in differs.out
    assert "1 added, 1 changed, 0 removed, 1 unchanged" in differs.out
    same = write_env(bundle_project, f"SECRET_KEY=old-secret-value\nALLOWED_HOSTS={HOSTS}\n", ".env.same")
    assert run("diff", "prod", "--against", same).code == 0
    account.assert_nothing_leaked(differs.text)


def test_ssm_and_secret_flags_pick_the_other_targets(bundle_project: Path, account: FakeAccount) -> None:
    env = write_env(bundle_project, f"SECRET_KEY={SECRET}\n")
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
    bundle_project: Path, account: FakeAccount, aws_calls, text: str, message: str
) -> None:
    env = write_env(bundle_project, text)
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
    bundle_project: Path, account: FakeAccount, aws_calls, stored: str, message: str
) -> None:
    account.secret(BUNDLE, stored)
    account.seeded_values += ["one-list-Value", "unterminated-Value"]
    env = write_env(bundle_project, f"SECRET_KEY={SECRET}\n")
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
    bundle_project: Path, account: FakeAccount, aws_calls, stored: str, message: str
) -> None:
    account.secret(BUNDLE, stored)
    account.seeded_values += ["a-good-Value", "db-host-Value"]
    env = write_env(bundle_project, f"SECRET_KEY={SECRET}\n")
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
    bundle_project: Path, account: FakeAccount, aws_calls
) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": SECRET})
    around = len(json.dumps({"BIG": "", "SECRET_KEY": SECRET}, separators=(",", ":")))  # bytes around BIG's value
    fits = write_env(bundle_project, "BIG=" + "x" * (65_536 - around) + "\n", ".env.fits")
    too_big = write_env(bundle_project, "BIG=" + "é" * ((65_536 - around) // 2 + 1) + "\n", ".env.big")  # 2 bytes each
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
