"""``init``: a Zappa stage set up for the bootstrap in its own settings file, safely, once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .tooling import run

BARE = {"prod": {"project_name": "shop", "aws_region": "us-east-1", "django_settings": "shop.settings"}}


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project fresh from `zappa init`: no pointer, no policy; the file indented by two spaces."""
    (tmp_path / "zappa_settings.json").write_text(json.dumps(BARE, indent=2) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def settings(folder: Path) -> dict[str, dict[str, object]]:
    return dict(json.loads((folder / "zappa_settings.json").read_text(encoding="utf-8")))


def test_init_adds_the_pointers_the_policy_file_and_attach_policy(bare: Path) -> None:
    result = run("init", "prod", "--secrets", "database", "--required", "SECRET_KEY", "--schema", "shop.keys:Keys")
    assert result.code == 0, result.text
    stage = settings(bare)["prod"]
    assert stage["environment_variables"] == {
        "BOOTSTRAP_BUNDLE": "config",
        "BOOTSTRAP_SECRETS": "database",
        "BOOTSTRAP_REQUIRED": "SECRET_KEY",
    }
    assert stage["lambda_bootstrap"] == {"schema": "shop.keys:Keys"}
    assert stage["attach_policy"] == "deploy/iam/prod.json"
    assert (bare / "deploy/iam/prod.json").read_text(encoding="utf-8") == run("policy", "prod").out
    assert (bare / "zappa_settings.json").read_text(encoding="utf-8").startswith('{\n  "prod": {\n    "project_name"')
    assert "next: lambda-bootstrap push prod --from .env.prod" in result.out


def test_init_twice_changes_nothing_and_a_dry_run_writes_nothing(bare: Path) -> None:
    dry = run("init", "prod", "--dry-run")
    assert dry.code == 0 and "dry run: nothing written" in dry.out
    assert settings(bare) == BARE and not (bare / "deploy").exists()
    run("init", "prod")
    before = (bare / "zappa_settings.json").read_bytes()
    again = run("init", "prod")
    assert again.code == 0
    assert "already declares its sources" in again.out
    assert (bare / "zappa_settings.json").read_bytes() == before


def test_a_stage_inheriting_its_variables_is_not_edited_but_told_what_to_paste(bare: Path) -> None:
    stages = {
        "base": {**BARE["prod"], "environment_variables": {"SENTRY_ENVIRONMENT": "live"}},
        "prod": {"extends": "base"},
    }
    (bare / "zappa_settings.json").write_text(json.dumps(stages, indent=4), encoding="utf-8")
    before = (bare / "zappa_settings.json").read_bytes()
    result = run("init", "prod")
    assert result.code == 1
    assert '"environment_variables" of stage "prod": add {"BOOTSTRAP_BUNDLE": "config"}' in result.err
    assert "Zappa merges shallowly" in result.err
    stage = settings(bare)["prod"]
    assert "environment_variables" not in stage and "attach_policy" in stage  # the policy part was safe
    assert (bare / "zappa_settings.json").read_bytes() != before


def test_a_stage_zappa_gives_no_role_policy_gets_no_attach_policy(bare: Path) -> None:
    stages = {"prod": {**BARE["prod"], "manage_roles": False, "role_arn": "arn:aws:iam::111122223333:role/app"}}
    (bare / "zappa_settings.json").write_text(json.dumps(stages), encoding="utf-8")
    assert run("init", "prod").code == 0
    assert "attach_policy" not in settings(bare)["prod"]
    assert not (bare / "deploy").exists()
