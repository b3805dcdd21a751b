"""A stage poisoned directly in AWS (a reserved key, a NUL) is shown by check, row by row, and repaired with
the tool: ``unset`` removes named keys, ``push --prune`` what the file does not hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from testsupport.account import FakeAccount
from testsupport.stage import STRONG_SECRET_KEY, seed_stage, update_bundle

from .tooling import bundle, check_rows, run

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = str(ROOT / "zappa_settings.json")
DATABASE_URL = "postgres://app:Db-Pa55word-xyz@db.internal.example:5432/coldstart"
BUNDLE = "coldstart/prod/config"
HOSTS = "testserver,localhost"
ROWS = ["sources", "required", "values", "database", "policy-file", "role", "burst", "vpc"]
ROWS += ["age", "unique", "encryption"]
POISONS = {
    "LD_PRELOAD": "/tmp/evil-preload.so",
    "DJANGO_STAGE_SETTINGS": "project.settings.staging",
    "NOTE": "poisoned\x00value-of-a-key",
}


@pytest.fixture(params=sorted(POISONS))
def poisoned(request: pytest.FixtureRequest, account: FakeAccount) -> str:
    """Stage prod with one key the cold start refuses, written behind the tool's back; that key."""
    key = str(request.param)
    seed_stage("coldstart", "prod", DATABASE_URL)
    update_bundle("coldstart", "prod", {key: POISONS[key]})
    account.seeded_values += [STRONG_SECRET_KEY, "Db-Pa55word-xyz", POISONS[key]]
    return key


def test_check_shows_every_row_of_a_poisoned_stage_naming_the_bad_key(poisoned: str, account: FakeAccount) -> None:
    result = run("check", "prod", "--settings", SETTINGS)
    assert result.code == 1, result.text
    rows = check_rows(result.out)
    assert list(rows) == ROWS and rows["sources"] == "FAIL"
    assert poisoned in result.out[result.out.index("sources") : result.out.index("required")]
    account.assert_nothing_leaked(result.text)


def test_unset_repairs_a_poisoned_stage(poisoned: str, account: FakeAccount, tmp_path: Path) -> None:
    refused = run("push", "prod", "--from", _env(tmp_path, "DJANGO_LOG_LEVEL=INFO\n"), "--settings", SETTINGS, "--yes")
    assert refused.code == 2 and poisoned in refused.err  # the bad key would stay: refused, nothing written
    assert poisoned in bundle(account, BUNDLE)
    dry = run("unset", "prod", poisoned, "--settings", SETTINGS, "--dry-run")
    assert dry.code == 0 and f"- {poisoned}" in dry.out
    unset = run("unset", "prod", poisoned, "--settings", SETTINGS, "--yes")
    assert unset.code == 0, unset.text
    assert bundle(account, BUNDLE) == {"SECRET_KEY": STRONG_SECRET_KEY, "ALLOWED_HOSTS": HOSTS}
    assert run("check", "prod", "--settings", SETTINGS).code == 0
    account.assert_nothing_leaked(refused.text, dry.text, unset.text)


def test_push_prune_repairs_a_poisoned_stage(poisoned: str, account: FakeAccount, tmp_path: Path) -> None:
    file = _env(tmp_path, f"SECRET_KEY={STRONG_SECRET_KEY}\nALLOWED_HOSTS={HOSTS}\nDJANGO_LOG_LEVEL=INFO\n")
    pruned = run("push", "prod", "--from", file, "--settings", SETTINGS, "--yes", "--prune")
    assert pruned.code == 0, pruned.text
    assert f"- {poisoned}  (only in AWS: will be deleted)" in pruned.out
    assert bundle(account, BUNDLE) == {
        "SECRET_KEY": STRONG_SECRET_KEY,
        "ALLOWED_HOSTS": HOSTS,
        "DJANGO_LOG_LEVEL": "INFO",
    }
    assert run("check", "prod", "--settings", SETTINGS).code == 0
    account.assert_nothing_leaked(pruned.text)


def _env(folder: Path, text: str) -> str:
    file = folder / ".env.prod"
    file.write_text(text, encoding="utf-8")
    return str(file)
