"""``migrate``: a stage's SSM parameters into its bundle, by key name, the values never on screen or on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lambda_bootstrap
from testsupport.account import PATH, FakeAccount

from .tooling import BUNDLE, BUNDLE_STAGES, bundle, run, use_stages

VALUES = {
    "SECRET_KEY": "migrate-secret-key-value",
    "ALLOWED_HOSTS": "migrate.example.com",
    "db/host": "migrate-db-host-name",
}


def files_in(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_migrate_moves_every_key_by_the_bootstraps_names_and_the_loader_reads_them_back(
    bundle_project: Path, account: FakeAccount, aws_calls, stage_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    account.parameters(VALUES)
    before = files_in(bundle_project)
    dry = run("migrate", "moving", "--dry-run")
    assert dry.code == 0, dry.err
    assert f"secretsmanager:{BUNDLE} against ssm:{PATH}:" in dry.out
    assert "3 added, 0 changed, 0 removed, 0 unchanged" in dry.out
    assert "dry run: nothing written" in dry.out
    assert aws_calls.counts["CreateSecret"] == 0

    moved = run("migrate", "moving", "--yes")
    assert moved.code == 0, moved.err
    assert bundle(account) == {
        "SECRET_KEY": "migrate-secret-key-value",
        "ALLOWED_HOSTS": "migrate.example.com",
        "DB_HOST": "migrate-db-host-name",
    }
    assert f"wrote to secretsmanager:{BUNDLE} from ssm:{PATH}: " in moved.out
    assert "next: remove BOOTSTRAP_SSM_PATH" in moved.out
    assert files_in(bundle_project) == before  # no file written on the way
    again = run("migrate", "moving", "--yes")
    assert again.code == 0 and "nothing to migrate" in again.out
    account.assert_nothing_leaked(dry.text, moved.text, again.text)

    # What the tool wrote is what a JSON secret read by the bootstrap gives (the lead's loader reads the bundle).
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH", raising=False)
    monkeypatch.setenv("BOOTSTRAP_SECRETS", f"={BUNDLE}")
    report = lambda_bootstrap.load()
    assert sorted(report.sources) == ["ALLOWED_HOSTS", "DB_HOST", "SECRET_KEY"]


def test_migrate_keeps_bundle_keys_unless_pruned_and_changes_differing_ones(
    bundle_project: Path, account: FakeAccount
) -> None:
    account.parameters(VALUES)
    account.secret(BUNDLE, {"SECRET_KEY": "an-older-secret-value", "ONLY_IN_BUNDLE": "bundle-only-value"})
    kept = run("migrate", "moving", "--yes")
    assert kept.code == 0, kept.err
    assert "~ SECRET_KEY  (value differs)" in kept.out
    assert "- ONLY_IN_BUNDLE  (only in AWS: kept; --prune deletes it)" in kept.out
    assert bundle(account)["ONLY_IN_BUNDLE"] == "bundle-only-value"
    assert bundle(account)["SECRET_KEY"] == "migrate-secret-key-value"
    pruned = run("migrate", "moving", "--yes", "--prune")
    assert pruned.code == 0, pruned.err
    assert "ONLY_IN_BUNDLE" not in bundle(account)
    account.assert_nothing_leaked(kept.text, pruned.text)


def test_migrate_from_a_path_the_stage_no_longer_declares(bundle_project: Path, account: FakeAccount) -> None:
    account.parameters(VALUES)
    account.secret("shop/prod/database", {"password": "database-password-value"})
    no_path = run("migrate", "prod", "--yes")
    assert no_path.code == 2 and "has no BOOTSTRAP_SSM_PATH: give the path to move (--path" in no_path.err
    moved = run("migrate", "prod", "--yes", "--path", "/shop/prod")
    assert moved.code == 0, moved.err
    assert set(bundle(account)) == {"SECRET_KEY", "ALLOWED_HOSTS", "DB_HOST"}
    assert "next: remove" not in moved.out
    account.assert_nothing_leaked(no_path.text, moved.text)


def test_migrate_with_a_manifest_moves_the_listed_names_only(bundle_project: Path, account: FakeAccount) -> None:
    account.parameters({**VALUES, "UNLISTED": "unlisted-parameter-value"})
    (bundle_project / "manifest.json").write_text(
        json.dumps(["SECRET_KEY", "ALLOWED_HOSTS", "db/host"]), encoding="utf-8"
    )
    settings = json.loads((bundle_project / "zappa_settings.json").read_text(encoding="utf-8"))
    settings["moving"]["environment_variables"]["BOOTSTRAP_SSM_MANIFEST"] = "manifest.json"
    (bundle_project / "zappa_settings.json").write_text(json.dumps(settings), encoding="utf-8")
    moved = run("migrate", "moving", "--yes")
    assert moved.code == 0, moved.err
    assert "not in the manifest, so not loaded today and not migrated: UNLISTED" in moved.out
    assert set(bundle(account)) == {"SECRET_KEY", "ALLOWED_HOSTS", "DB_HOST"}


def test_migrate_refuses_without_a_bundle_an_empty_path_or_a_bundle_past_64_kb(
    project: Path, account: FakeAccount, aws_calls
) -> None:
    no_bundle = run("migrate", "prod", "--yes")  # tooling.STAGES: SSM and a secret, no bundle
    assert no_bundle.code == 2 and "has no BOOTSTRAP_BUNDLE: declare it" in no_bundle.err
    use_stages(project, BUNDLE_STAGES)
    empty = run("migrate", "moving", "--yes")
    assert empty.code == 2 and f"no parameters under ssm:{PATH}: nothing to migrate" in empty.err
    large = {f"KEY_{n:02}": f"{n:02}" + "v" * 4000 for n in range(17)}  # 17 x 4 KB: each fits SSM's standard tier
    account.parameters(large, kind="String")
    size = len(json.dumps(large, separators=(",", ":")))
    too_big = run("migrate", "moving", "--yes")
    assert too_big.code == 2, too_big.text
    assert f"would hold {size:,} bytes of JSON after this write, past Secrets Manager's limit" in too_big.err
    assert aws_calls.counts["CreateSecret"] == 0 and aws_calls.counts["PutSecretValue"] == 0


def test_migrate_without_a_terminal_or_yes_calls_nothing(bundle_project: Path, account: FakeAccount, aws_calls) -> None:
    result = run("migrate", "moving")
    assert result.code == 2 and "pass --yes" in result.err
    assert aws_calls.total == 0
