"""A write is judged before it is made: the cold start's rules and the stage's schema, each key and rule named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testsupport.account import FakeAccount
from testsupport.leaks import assert_nothing_leaked
from testsupport.stage import database_secret, seed_stage, update_bundle

from .tooling import bundle, run

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = str(ROOT / "zappa_settings.json")
DATABASE_URL = "postgres://app:Db-Pa55word-xyz@db.internal.example:5432/coldstart"
SECRET_ID = "coldstart/prod/database"
SSM_PATH = {"BOOTSTRAP_SSM_PATH": "/{app}/{stage}/", "BOOTSTRAP_RESERVED": "DJANGO_STAGE_SETTINGS"}
LONG_VALUE = "never-on-screen-" + "Qx9" * 12  # a SECRET_KEY prod accepts: 50 characters or more


def push(tmp_path: Path, text: str, *extra: str) -> tuple[int, str]:
    file = tmp_path / ".env.prod"
    file.write_text(text, encoding="utf-8")
    result = run("push", "prod", "--from", str(file), "--settings", SETTINGS, "--yes", *extra)
    assert_nothing_leaked([LONG_VALUE], result.text)
    return result.code, result.text


def stored_secret(account: FakeAccount) -> dict[str, object]:
    return bundle(account, SECRET_ID)


def test_a_port_that_is_not_an_integer_is_refused_and_nothing_is_written(
    tmp_path: Path, account: FakeAccount, aws_calls
) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    before = stored_secret(account)
    code, text = push(tmp_path, f"port=notaport\npassword={LONG_VALUE}\n", "--secret", "database")
    assert code == 2
    assert "refused: " in text and "nothing written" in text
    assert "port: an RDS-style secret's port must be an integer" in text
    assert stored_secret(account) == before
    assert aws_calls.counts["PutSecretValue"] == 0


def test_a_stages_env_file_pushed_to_the_database_secret_is_refused_key_by_key(
    tmp_path: Path, account: FakeAccount
) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    before = stored_secret(account)
    code, text = push(
        tmp_path,
        f"SECRET_KEY={LONG_VALUE}\nALLOWED_HOSTS=example.com\nDATABASE_URL={DATABASE_URL}\n",
        "--secret",
        "database",
    )
    assert code == 2
    for key in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
        assert f"{key}: not a field of an RDS-style secret" in text
    assert "did you mean the stage's bundle?" in text
    assert stored_secret(account) == before
    assert_nothing_leaked(["Db-Pa55word-xyz"], text)


def test_env_keys_pushed_into_a_new_secret_would_load_under_its_prefix(tmp_path: Path, account: FakeAccount) -> None:
    code, text = push(tmp_path, f"SECRET_KEY={LONG_VALUE}\n", "--secret", "database")
    assert code == 2
    assert "SECRET_KEY: would load as DATABASE_SECRET_KEY, which the schema does not declare" in text
    assert account.secrets.list_secrets()["SecretList"] == []


def test_an_incomplete_rds_secret_is_refused(tmp_path: Path, account: FakeAccount) -> None:
    code, text = push(tmp_path, "engine=postgres\nhost=db.example\n", "--secret", "database")
    assert code == 2
    assert "password, username: an RDS-style secret needs engine, host, username and password" in text


def test_values_the_schema_refuses_are_refused_by_key_and_rule(tmp_path: Path, account: FakeAccount, aws_calls) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    code, text = push(
        tmp_path,
        f"SECRET_KEY={LONG_VALUE}\nDJANGO_LOG_LEVEL=verbose\nSECURE_HSTS_SECONDS=a-year\nSENTRY_DSNN=typo\n",
    )
    assert code == 2
    assert "DJANGO_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL" in text
    assert "SECURE_HSTS_SECONDS must be an integer (at least 0)" in text
    assert "2 problem(s)" in text
    assert "not declared in the schema project.settings.schema:Keys: SENTRY_DSNN" in text  # a typo, named
    assert aws_calls.counts["PutSecretValue"] == 0


def test_pruning_a_required_key_is_refused(tmp_path: Path, account: FakeAccount) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    code, text = push(tmp_path, f"SECRET_KEY={LONG_VALUE}\n", "--prune")
    assert code == 2
    assert "required and set now, but this write would delete or blank: ALLOWED_HOSTS" in text
    stored = bundle(account, "coldstart/prod/config")
    assert stored["ALLOWED_HOSTS"]  # nothing written


def test_a_secrets_fields_pushed_to_the_ssm_path_suggest_the_secret(tmp_path: Path, account: FakeAccount) -> None:
    fields = database_secret(DATABASE_URL)
    code, text = push(tmp_path, "".join(f"{k}={v}\n" for k, v in fields.items()))
    assert code == 2
    assert "did you mean --secret database?" in text


def test_a_valid_rds_push_passes(tmp_path: Path, account: FakeAccount) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    code, text = push(tmp_path, f"password={LONG_VALUE}\nport=6432\n", "--secret", "database")
    assert code == 0, text
    assert stored_secret(account)["password"] == LONG_VALUE


def test_a_connection_age_that_is_not_an_integer_is_refused_by_its_own_name(
    tmp_path: Path, account: FakeAccount
) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)
    code, text = push(tmp_path, "DATABASE_CONN_MAX_AGE=ten\n")
    assert code == 2
    assert "DATABASE_CONN_MAX_AGE must be an integer (at least 0)" in text
    stored = bundle(account, "coldstart/prod/config")
    assert "DATABASE_CONN_MAX_AGE" not in stored


def test_a_key_another_source_produces_is_refused_and_may_be_pruned(tmp_path: Path, account: FakeAccount) -> None:
    seed_stage("coldstart", "prod", DATABASE_URL)  # the database secret produces DATABASE_URL and DATABASE_HOST
    code, text = push(tmp_path, f"DATABASE_URL={DATABASE_URL}\nDATABASE_HOST=other\n")
    assert code == 2
    for key in ("DATABASE_URL", "DATABASE_HOST"):
        assert f"environment key {key} is produced by both secretsmanager:coldstart/prod/config key {key}" in text
    stored = bundle(account, "coldstart/prod/config")
    assert "DATABASE_URL" not in stored
    update_bundle("coldstart", "prod", {"DATABASE_URL": DATABASE_URL})  # written behind push's back: undo it
    full = f"SECRET_KEY={LONG_VALUE}\nALLOWED_HOSTS=example.com\n"
    code, text = push(tmp_path, full, "--prune")  # DATABASE_URL is required, but the database secret supplies it
    assert code == 0, text
    stored = bundle(account, "coldstart/prod/config")
    assert "DATABASE_URL" not in stored


RESERVED = ["LD_PRELOAD", "PATH", "AWS_SECRET_ACCESS_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_STAGE_SETTINGS"]
NUL = "a-value-with\x00a-NUL"


@pytest.mark.parametrize("key", [*RESERVED, "NUL_VALUE"])
def test_what_the_cold_start_refuses_is_refused_on_every_write_path_with_nothing_written(
    tmp_path: Path, account: FakeAccount, aws_calls, key: str
) -> None:
    """The template's stages (DJANGO_STAGE_SETTINGS reserved by their BOOTSTRAP_RESERVED), and a stage of
    every target: its bundle, a secret exported as it is, its SSM path, and migrate from SSM (these stages
    reserve DJANGO_STAGE_SETTINGS as the template does)."""
    line = f"NUL_VALUE={NUL}\n" if key == "NUL_VALUE" else f"{key}=/tmp/not-a-value.so\n"
    seed_stage("coldstart", "prod", DATABASE_URL)
    bundle_before = bundle(account, "coldstart/prod/config")
    aws_calls.reset()
    code, text = push(tmp_path, line)
    assert code == 2, text
    assert "refused: " in text and "nothing written" in text and key in text

    project = tmp_path / "project"
    project.mkdir()
    stages = {
        "prod": {
            "project_name": "shop",
            "aws_region": "us-east-1",
            "environment_variables": {**SSM_PATH, "BOOTSTRAP_SECRETS": "=extra"},
        },
        "moving": {
            "project_name": "shop",
            "aws_region": "us-east-1",
            "environment_variables": {"BOOTSTRAP_STAGE": "prod", "BOOTSTRAP_BUNDLE": "config", **SSM_PATH},
        },
    }
    (project / "zappa_settings.json").write_text(json.dumps(stages), encoding="utf-8")
    env = project / ".env.prod"
    env.write_text(line, encoding="utf-8")
    settings = ["--settings", str(project / "zappa_settings.json"), "--yes"]
    for extra in (["--secret", "extra"], ["--ssm"]):
        refused = run("push", "prod", "--from", str(env), *settings, *extra)
        assert refused.code == 2, refused.text
        assert key in refused.err and "nothing written" in refused.err
    account.parameter(f"/shop/prod/{key}", NUL if key == "NUL_VALUE" else "/tmp/not-a-value.so")
    migrated = run("migrate", "moving", *settings)
    assert migrated.code == 2, migrated.text
    assert key in migrated.err and "nothing written" in migrated.err

    for write in ("PutSecretValue", "CreateSecret", "UpdateSecretVersionStage", "UpdateSecret", "DeleteParameter"):
        assert aws_calls.counts[write] == 0, write
    assert aws_calls.counts["PutParameter"] == 1  # the parameter seeded above; none by the tool
    assert bundle(account, "coldstart/prod/config") == bundle_before
    assert "/tmp/not-a-value.so" not in text + refused.text + migrated.text
    assert_nothing_leaked([NUL], text, refused.text, migrated.text)
