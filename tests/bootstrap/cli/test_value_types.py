"""``check``'s values: typed by the readers of the settings module the stage runs, found by their mark."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from testsupport.stage import STRONG_SECRET_KEY, seed_stage, update_bundle

from ..conftest import FakeAccount
from .test_check import DATABASE_URL, SETTINGS, check_lines
from .tooling import run


def test_a_log_level_the_settings_reject_fails_check(account: FakeAccount) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL, {"DJANGO_LOG_LEVEL": "verbose"})
    account.seeded_values += [STRONG_SECRET_KEY, DATABASE_URL]
    result = run("check", "prod", "--settings", SETTINGS)
    assert result.code == 1
    assert check_lines(result.out)["values"] == "FAIL"
    assert "DJANGO_LOG_LEVEL (one of a set, base.py:" in result.out
    account.assert_nothing_leaked(result.out, result.err)


def test_each_stage_is_typed_with_its_own_settings_module_only(account: FakeAccount) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    ready = run("check", "prod", "--settings", SETTINGS)
    assert ready.code == 0, ready.out
    assert ready.out.count("ALLOWED_HOSTS (list)") == 1 and ready.out.count("DATABASE_URL (database URL)") == 1
    update_bundle("coldstart", "prod", {"SECURE_HSTS_SECONDS": "a-year"})
    prod = run("check", "prod", "--settings", SETTINGS)
    assert "SECURE_HSTS_SECONDS (integer, prod.py:" in prod.out
    assert "staging.py" not in prod.out and "dev.py" not in prod.out
    seed_stage("coldstart", "staging", DATABASE_URL, {"SECURE_HSTS_SECONDS": "a-year"})
    staging = run("check", "staging", "--settings", SETTINGS)
    assert "SECURE_HSTS_SECONDS (integer, staging.py:" in staging.out
    assert "dev.py" not in staging.out


def test_any_project_marks_its_own_readers(tmp_path: Path, account: FakeAccount, monkeypatch) -> None:
    """Nothing in the check knows this project's reader names: a reader is a function marked ``env_type``."""
    package = tmp_path / "otherapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "readers.py").write_text(
        textwrap.dedent(
            """
            import os

            def port(key, default, *, environ=None):
                value = (os.environ if environ is None else environ).get(key) or str(default)
                if not value.isdigit():
                    raise ValueError(f"{key} must be a port number")
                return int(value)

            port.env_type = "port number"
            """
        )
    )
    (package / "live.py").write_text("from .readers import port\nPORT = port('APP_PORT', 80)\n")
    (package / "local.py").write_text("from .readers import port\nPORT = port('APP_PORT', 8000)\n")
    (package / "choose.py").write_text("def module(environ):\n    return 'otherapp.live'\n")
    (tmp_path / "pyproject.toml").write_text('[tool.lambda_bootstrap]\nstage-settings = "otherapp.choose:module"\n')
    stages = {
        "prod": {
            "project_name": "other",
            "aws_region": "us-east-1",
            "django_settings": "otherapp.local",
            "environment_variables": {"BOOTSTRAP_SSM_PATH": "/other/prod/"},
        }
    }
    (tmp_path / "zappa_settings.json").write_text(json.dumps(stages))
    monkeypatch.chdir(tmp_path)
    account.parameter("/other/prod/APP_PORT", "eighty")
    result = run("check", "prod")
    assert "APP_PORT (port number, live.py:2): does not parse (ValueError)" in result.out
    assert "local.py" not in result.out
