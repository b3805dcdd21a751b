"""The stage's declared schema: found through zappa_settings.json, loaded from the project folder, never guessed."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from testsupport.account import FakeAccount
from testsupport.stage import STRONG_SECRET_KEY, seed_stage, update_bundle

from .test_check import DATABASE_URL, SETTINGS
from .tooling import check_rows, run

SCHEMA = """
from lambda_bootstrap.schema import Boolean, Integer, Schema, Text

class Keys(Schema):
    SECRET_KEY = Text(required=True, min_length=50, min_distinct=5)
    APP_PORT = Integer(minimum=1, maximum=65535)
    DJANGO_REDIS_AUTH_ENABLED = Boolean()
"""


def foreign_project(folder: Path, *, schema: str | None = SCHEMA, pointer: str = "otherapp.keys:Keys") -> Path:
    """An outside project: its own package, its own zappa_settings.json, a schema (or none)."""
    package = folder / "otherapp"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('the package itself is never imported')\n")
    if schema is not None:
        (package / "keys.py").write_text(textwrap.dedent(schema))
    stage = {
        "project_name": "other",
        "aws_region": "us-east-1",
        "manage_roles": False,
        "environment_variables": {"BOOTSTRAP_SSM_PATH": "/other/prod/"},
    }
    if schema is not None:
        stage["lambda_bootstrap"] = {"schema": pointer}
    (folder / "zappa_settings.json").write_text(json.dumps({"prod": stage}))
    return folder


def test_the_templates_log_level_is_typed_by_its_schema(account: FakeAccount) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL, {"DJANGO_LOG_LEVEL": "verbose"})
    account.seeded_values += [STRONG_SECRET_KEY, DATABASE_URL]
    result = run("check", "prod", "--settings", SETTINGS)
    assert result.code == 1
    assert check_rows(result.out)["values"] == "FAIL"
    assert "DJANGO_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL" in result.out
    account.assert_nothing_leaked(result.out, result.err)


def test_a_foreign_project_declares_its_keys_and_check_and_push_type_them(
    tmp_path: Path, account: FakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(foreign_project(tmp_path))
    account.parameter("/other/prod/SECRET_KEY", STRONG_SECRET_KEY)
    account.parameter("/other/prod/APP_PORT", "eighty")
    result = run("check", "prod")
    assert check_rows(result.out)["values"] == "FAIL"
    assert "APP_PORT must be an integer (at least 1, at most 65535)" in result.out
    (tmp_path / ".env.prod").write_text("DJANGO_REDIS_AUTH_ENABLED=maybe\n")
    pushed = run("push", "prod", "--from", ".env.prod", "--yes")
    assert pushed.code == 2
    assert "DJANGO_REDIS_AUTH_ENABLED must be a boolean" in pushed.err
    account.assert_nothing_leaked(result.text, pushed.text)


def test_without_a_schema_check_skips_and_push_says_so_once(
    tmp_path: Path, account: FakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(foreign_project(tmp_path, schema=None))
    account.parameter("/other/prod/APP_PORT", "eighty")
    result = run("check", "prod")
    assert check_rows(result.out)["values"] == "SKIP"
    assert "values are not typed: the stage declares no schema" in result.out
    (tmp_path / ".env.prod").write_text("DJANGO_REDIS_AUTH_ENABLED=maybe\n")
    pushed = run("push", "prod", "--from", ".env.prod", "--yes")
    assert pushed.code == 0, pushed.text
    assert pushed.err.count("values are not typed") == 1


def test_settings_elsewhere_validate_as_in_the_project_or_refuse_saying_why(
    tmp_path: Path, account: FakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = foreign_project(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(project / "zappa_settings.json", elsewhere / "zappa_settings.json")
    (tmp_path / ".env.prod").write_text("SECRET_KEY=ten-chars!\n")
    monkeypatch.chdir(tmp_path)
    for settings in (project / "zappa_settings.json", elsewhere / "zappa_settings.json"):
        result = run("push", "prod", "--from", ".env.prod", "--dry-run", "--settings", str(settings))
        assert result.code == 2, result.text
    from_project = run(
        "push", "prod", "--from", ".env.prod", "--dry-run", "--settings", str(project / "zappa_settings.json")
    )
    assert "SECRET_KEY must be text, at least 50 characters" in from_project.err
    copied = run(
        "push", "prod", "--from", ".env.prod", "--dry-run", "--settings", str(elsewhere / "zappa_settings.json")
    )
    assert f"no otherapp/keys.py under {elsewhere}" in copied.err
    assert "run from the project folder" in copied.err
    assert "ten-chars" not in copied.text


@pytest.mark.parametrize(
    ("pointer", "schema", "message"),
    [
        ("otherapp.keys", SCHEMA, "expected package.module:Name"),
        ("otherapp.keys:Nope", SCHEMA, "Nope in"),
        ("otherapp.keys:Keys", "import django_that_is_not_here\n", "ModuleNotFoundError"),
        ("otherapp.keys:Keys", "Keys = 'a-secret-looking-text'\n", "is not a lambda_bootstrap.schema.Schema subclass"),
    ],
)
def test_a_schema_that_cannot_be_loaded_stops_the_command_by_name(
    tmp_path: Path, account: FakeAccount, monkeypatch: pytest.MonkeyPatch, pointer: str, schema: str, message: str
) -> None:
    monkeypatch.chdir(foreign_project(tmp_path, schema=schema, pointer=pointer))
    account.parameter("/other/prod/APP_PORT", "80")
    result = run("check", "prod")
    assert result.code == 2
    assert message in result.err
    assert "a-secret-looking-text" not in result.text


def test_the_template_stage_settings_hook_is_gone_for_good(account: FakeAccount) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    update_bundle("coldstart", "prod", {"SECURE_HSTS_SECONDS": "a-year"})
    prod = run("check", "prod", "--settings", SETTINGS)
    assert "SECURE_HSTS_SECONDS must be an integer (at least 0)" in prod.out
    assert "prod.py" not in prod.out and "staging.py" not in prod.out  # typed by the schema, not by reading settings
