"""``history``: the bundle's versions, newest first, with the keys each changed, by name only."""

from __future__ import annotations

from pathlib import Path

from testsupport.account import FakeAccount

from .tooling import BUNDLE, labels, run, write_env

VALUES = ["first-secret-value-1", "hosts-value-1", "second-secret-value-2", "flag-value-2"]


def three_versions(project: Path) -> None:
    """Push, push again (one key changed, one added), then unset one: three versions of the bundle."""
    write_env(project, f"SECRET_KEY={VALUES[0]}\nALLOWED_HOSTS={VALUES[1]}\n", ".env.1")
    write_env(project, f"SECRET_KEY={VALUES[2]}\nALLOWED_HOSTS={VALUES[1]}\nFLAG={VALUES[3]}\n", ".env.2")
    for argv in (["push", "prod", "--from", ".env.1"], ["push", "prod", "--from", ".env.2"], ["unset", "prod", "FLAG"]):
        done = run(*argv, "--yes")
        assert done.code == 0, done.text


def test_history_lists_versions_newest_first_with_the_keys_each_changed(
    bundle_project: Path, account: FakeAccount
) -> None:
    three_versions(bundle_project)
    shown = run("history", "prod")
    assert shown.code == 0, shown.text
    lines = shown.out.splitlines()
    assert lines[0] == f"secretsmanager:{BUNDLE}: 3 version(s) kept, newest first"
    entries = [line.strip() for line in lines[1:7]]
    assert entries[0].endswith("[AWSCURRENT]") and entries[1] == "removed: FLAG"
    assert entries[2].endswith("[AWSPREVIOUS]") and entries[3] == "added: FLAG; changed: SECRET_KEY"
    assert entries[4].endswith("[no label]") and entries[5] == "first version: ALLOWED_HOSTS, SECRET_KEY"
    assert lines[-1] == "rollback: lambda-bootstrap rollback prod [--to VERSION]"
    current = next(v for v, names in labels(account).items() if "AWSCURRENT" in names)
    assert entries[0].startswith(current)
    account.seeded_values += VALUES
    account.assert_nothing_leaked(shown.text)


def test_history_limit_compares_the_oldest_shown_with_the_one_before_it(
    bundle_project: Path, account: FakeAccount
) -> None:
    three_versions(bundle_project)
    shown = run("history", "prod", "--limit", "2")
    assert shown.code == 0, shown.text
    assert "3 version(s) kept, newest first (the 2 newest)" in shown.out
    assert "added: FLAG; changed: SECRET_KEY" in shown.out and "first version" not in shown.out


def test_history_of_a_secret_and_of_a_stage_without_a_bundle(project: Path, account: FakeAccount) -> None:
    account.secret("shop/prod/database", {"password": "pw-value-long"})
    shown = run("history", "prod", "--secret", "database")
    assert shown.code == 0, shown.text
    assert "secretsmanager:shop/prod/database: 1 version(s) kept" in shown.out
    assert "first version: password" in shown.out
    ssm_only = run("history", "prod")
    assert ssm_only.code == 2
    assert "history works on Secrets Manager versions, and stage 'prod' has no BOOTSTRAP_BUNDLE" in ssm_only.err
