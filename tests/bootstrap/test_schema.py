"""The declared schema: typed reads by the stage's rules, errors that name the key and the rule, never the value."""

from __future__ import annotations

import pytest

from lambda_bootstrap import ConfigurationError
from lambda_bootstrap.schema import LOCAL, Boolean, Choice, DatabaseUrl, Integer, Json, List, Schema, Text, Url


class Keys(Schema):
    SECRET_KEY = Text(required=True, min_length=50, min_distinct=5, unique=True, stages={LOCAL: Text()})
    WORKERS = Integer(minimum=1, default=1)
    FLAG = Boolean(default=False)
    HOSTS = List(required=True)
    LEVEL = Choice("DEBUG", "INFO", default="INFO")
    DATABASE_URL = DatabaseUrl(required=True, schemes=("postgres",), stages={LOCAL: DatabaseUrl()})
    HOOK_URL = Url(schemes=("https",))
    LIMITS_JSON = Json()


STRONG = "k" * 40 + "abcdefghij"


def test_a_read_is_typed_and_takes_the_stage_from_the_environment() -> None:
    stage = {
        "STAGE": "prod",
        "WORKERS": " 7 ",
        "FLAG": "on",
        "HOSTS": " a.example.com, ,b.example.com ",
        "LEVEL": "debug",
    }
    assert Keys.WORKERS.read(environ=stage) == 7
    assert Keys.FLAG.read(environ=stage) is True
    assert Keys.HOSTS.read(environ=stage) == ["a.example.com", "b.example.com"]
    assert Keys.LEVEL.read(environ=stage) == "DEBUG"


def test_unset_or_blank_keys_fall_back_to_the_read_default_then_the_declared_one() -> None:
    stage = {"STAGE": "prod", "WORKERS": "\u200b  "}
    assert Keys.WORKERS.read(environ=stage) == 1
    assert Keys.WORKERS.read(4, environ=stage) == 4
    with pytest.raises(ConfigurationError, match="HOSTS is required in stage prod but not set") as raised:
        Keys.HOSTS.read(environ=stage)
    assert ".env" not in str(raised.value) and "lambda-bootstrap check" in str(raised.value)
    assert raised.value.keys == ("HOSTS",)


@pytest.mark.parametrize(
    ("key", "raw", "rule"),
    [
        (Keys.WORKERS, "four-secret-workers", "WORKERS must be an integer (at least 1)"),
        (Keys.WORKERS, "0", "WORKERS must be an integer (at least 1)"),
        (Keys.FLAG, "maybe-secret", "FLAG must be a boolean"),
        (Keys.LEVEL, "verbose-secret", "LEVEL must be one of DEBUG, INFO"),
        (
            Keys.SECRET_KEY,
            "short-secret-value",
            "SECRET_KEY must be text, at least 50 characters, at least 5 different",
        ),
        (Keys.SECRET_KEY, "ab" * 30, "at least 5 different characters"),
        (Keys.DATABASE_URL, "sqlite:///secret.sqlite3", "DATABASE_URL must be a postgres URL naming a database"),
        (Keys.DATABASE_URL, "postgres://user:hunter2-secret@host/", "naming a database"),
        (Keys.HOOK_URL, "http://hooks.example.com/secret-path", "HOOK_URL must be a https URL with a host"),
        (Keys.LIMITS_JSON, '{"secret": ', "LIMITS_JSON must be JSON (it does not parse at line 1, column"),
    ],
)
def test_a_malformed_value_names_the_key_and_the_rule_it_breaks_never_the_value(key, raw: str, rule: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        key.read(environ={"STAGE": "prod", key.name: raw})
    assert rule in str(raised.value)
    assert "secret" not in str(raised.value).replace("SECRET_KEY", "") and "hunter2" not in str(raised.value)
    assert raised.value.__cause__ is None


def test_local_development_has_its_own_rules() -> None:
    assert Keys.SECRET_KEY.read(environ={"SECRET_KEY": "short"}) == "short"  # no STAGE: a developer's machine
    assert Keys.DATABASE_URL.read(environ={"DATABASE_URL": "sqlite:///db.sqlite3"}) == "sqlite:///db.sqlite3"
    with pytest.raises(ConfigurationError, match="at least 50 characters"):
        Keys.SECRET_KEY.read(environ={"STAGE": "staging", "SECRET_KEY": "short"})


def test_an_invisible_value_is_not_set() -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY is required"):
        Keys.SECRET_KEY.read(environ={"STAGE": "prod", "SECRET_KEY": "\u3164" * 60})


def test_each_rule_is_labelled_by_what_it_checks() -> None:
    assert Keys.SECRET_KEY.describe() == "text, at least 50 characters, at least 5 different characters"
    assert Keys.SECRET_KEY.for_stage(LOCAL).describe() == "text"
    assert Keys.WORKERS.describe() == "an integer (at least 1)"
    assert Keys.HOSTS.describe() == "a comma-separated list of at least 1 item(s)"


def test_check_types_a_stages_values_by_its_rules_and_names_what_is_missing_or_undeclared() -> None:
    result = Keys.check(
        {"SECRET_KEY": "short", "WORKERS": "x", "SECRET_KYE": STRONG}, "prod", {"DATABASE_URL": "postgres://h/db"}
    )
    assert "SECRET_KEY must be text, at least 50 characters, at least 5 different characters" in result.failures
    assert "WORKERS must be an integer (at least 1)" in result.failures
    assert result.missing_keys == ["HOSTS"] and result.missing[0].startswith("HOSTS is required in stage prod")
    assert "DATABASE_URL (a postgres URL naming a database (scheme://user:password@host:port/name))" in result.checked
    assert result.undeclared == ["SECRET_KYE"]  # the environment's own keys are never "undeclared"


def test_a_schema_lists_its_keys_with_their_names() -> None:
    assert list(Keys.keys())[:3] == ["SECRET_KEY", "WORKERS", "FLAG"]
    assert all(name == key.name for name, key in Keys.keys().items())
    assert Keys.SECRET_KEY.for_stage(LOCAL).name == "SECRET_KEY"


def test_json_nested_too_deeply_is_refused_by_name_not_a_crash() -> None:
    with pytest.raises(ConfigurationError, match="LIMITS_JSON must be JSON nested less deeply"):
        Keys.LIMITS_JSON.read(environ={"STAGE": "prod", "LIMITS_JSON": "[" * 100_000})
