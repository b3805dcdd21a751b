"""Name-to-key rules and secret expansion (pure functions, no AWS)."""

from __future__ import annotations

import json

import dj_database_url
import pytest

from lambda_bootstrap import ConfigurationError
from lambda_bootstrap.keys import expand_secret, ssm_env_key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("/app/prod/SECRET_KEY", "SECRET_KEY"),
        ("/app/prod/secret_key", "SECRET_KEY"),
        ("/app/prod/db/host", "DB_HOST"),
        ("/app/prod/a/b/c_d", "A_B_C_D"),
    ],
)
def test_ssm_names_map_to_upper_case_keys(name: str, key: str) -> None:
    assert ssm_env_key(name, "/app/prod/") == key


@pytest.mark.parametrize("name", ["/app/prod/db-host", "/app/prod/1ST", "/app/prod/a.b", "/app/prod/a//b"])
def test_ssm_names_that_cannot_be_keys_are_named(name: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        ssm_env_key(name, "/app/prod/")
    assert name in str(raised.value)


def test_json_secret_expands_with_prefix_and_keeps_non_strings_as_json() -> None:
    expanded = expand_secret(json.dumps({"token": "t0ken-value", "retries": 3, "on": True}), "API", "secretsmanager:x")
    assert expanded == {"API_TOKEN": "t0ken-value", "API_RETRIES": "3", "API_ON": "true"}


def test_json_secret_without_prefix_uses_field_names() -> None:
    assert expand_secret('{"STRIPE_KEY": "sk"}', "", "x") == {"STRIPE_KEY": "sk"}


def test_plain_string_secret_is_one_key() -> None:
    assert expand_secret("just-a-token", "API_TOKEN", "x") == {"API_TOKEN": "just-a-token"}
    with pytest.raises(ConfigurationError, match="needs a key prefix"):
        expand_secret("just-a-token", "", "secretsmanager:flat")


def test_rds_secret_yields_a_url_with_escaped_credentials() -> None:
    password = "p@ss:w/rd%?#"
    secret = {
        "engine": "postgres",
        "host": "db.internal",
        "port": 6432,
        "username": "app user",
        "password": password,
        "dbname": "shop",
    }
    expanded = expand_secret(json.dumps(secret), "DATABASE", "x")
    parsed = dj_database_url.parse(expanded["DATABASE_URL"])
    assert (parsed["USER"], parsed["PASSWORD"], parsed["HOST"], parsed["PORT"], parsed["NAME"]) == (
        "app user",
        password,
        "db.internal",
        6432,
        "shop",
    )
    assert parsed["ENGINE"] == "django.db.backends.postgresql"
    assert expanded["DATABASE_PASSWORD"] == password


def test_rds_secret_without_prefix_yields_database_url() -> None:
    secret = {"engine": "mysql", "host": "h", "username": "u", "password": "p"}
    assert expand_secret(json.dumps(secret), "", "x")["DATABASE_URL"] == "mysql://u:p@h:3306/"


def test_malformed_json_is_named_without_its_content() -> None:
    with pytest.raises(ConfigurationError) as raised:
        expand_secret('{"password": "hunter2-secret",', "DB", "secretsmanager:shop/prod/db")
    assert "secretsmanager:shop/prod/db" in str(raised.value)
    assert "hunter2" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_unknown_engine_and_bad_port_are_errors() -> None:
    with pytest.raises(ConfigurationError, match="an engine the bootstrap does not know") as raised:
        expand_secret(json.dumps({"engine": "pg-typo-9f3", "host": "h", "username": "u", "password": "p"}), "DB", "x")
    assert "pg-typo-9f3" not in str(raised.value)  # a field's value is never echoed
    bad_port = {"engine": "postgres", "host": "h", "username": "u", "password": "p", "port": "five"}
    with pytest.raises(ConfigurationError, match="port"):
        expand_secret(json.dumps(bad_port), "DB", "x")


def test_field_names_that_cannot_be_keys_are_named() -> None:
    with pytest.raises(ConfigurationError, match="'api-key'"):
        expand_secret('{"api-key": "v"}', "X", "x")


def test_a_long_valid_key_is_shown_and_only_a_name_that_cannot_be_a_key_is_hidden() -> None:
    from lambda_bootstrap.rules import shown_name

    assert shown_name("DJANGO_ALGOLIA_EXCLUDED_LOCAL_INDEX_NAMES") == "DJANGO_ALGOLIA_EXCLUDED_LOCAL_INDEX_NAMES"
    assert shown_name("db-host") == "db-host"
    assert "not shown" in shown_name("dGhpcyBpcyBhIHNlY3JldCB2YWx1ZQ==")
    assert "not shown" in shown_name("Mixed-Case-Token-9fA2")
