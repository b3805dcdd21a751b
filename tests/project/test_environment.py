"""Settings' environment reads: errors name the key and never echo the value."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from project.settings.environment import READERS, env_bool, env_choice, env_database, env_int, env_list, require


def test_require_names_the_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SENTRY_DSN is not set"):
        require("SENTRY_DSN")


@pytest.mark.parametrize(
    ("reader", "raw"),
    [(lambda: env_int("WORKERS", 1), "four-secret-workers"), (lambda: env_bool("FLAG", False), "maybe-secret")],
)
def test_malformed_values_are_named_not_echoed(monkeypatch: pytest.MonkeyPatch, reader, raw: str) -> None:
    monkeypatch.setenv("WORKERS", raw)
    monkeypatch.setenv("FLAG", raw)
    with pytest.raises(ImproperlyConfigured) as raised:
        reader()
    assert raw not in str(raised.value)


def test_invalid_database_url_names_the_key_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "nosuchscheme://user:hunter2-password@host/db")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL is not a valid database URL") as raised:
        env_database("DATABASE_URL")
    assert "hunter2" not in str(raised.value)
    assert raised.value.__cause__ is None


def test_database_engine_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.sqlite3")
    with pytest.raises(ImproperlyConfigured, match=r"must point at one of: django\.db\.backends\.postgresql"):
        env_database("DATABASE_URL", engines=("django.db.backends.postgresql",))


def test_lists_split_and_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTS", " a.example.com, ,b.example.com ")
    assert env_list("HOSTS") == ["a.example.com", "b.example.com"]
    monkeypatch.delenv("HOSTS")
    assert env_list("HOSTS", ["fallback"]) == ["fallback"]


def test_readers_read_a_given_mapping_and_leave_os_environ_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKERS", "3")
    stage = {"WORKERS": "7", "FLAG": "on", "HOSTS": "a.example.com"}
    assert env_int("WORKERS", 1, environ=stage) == 7
    assert env_bool("FLAG", False, environ=stage) is True
    assert env_list("HOSTS", environ=stage) == ["a.example.com"]
    assert env_int("WORKERS", 1) == 3  # the default mapping is still os.environ


def test_a_log_level_outside_its_set_is_rejected_by_name() -> None:
    assert env_choice("DJANGO_LOG_LEVEL", ("DEBUG", "INFO"), "INFO", environ={"DJANGO_LOG_LEVEL": "debug"}) == "DEBUG"
    with pytest.raises(ImproperlyConfigured, match="DJANGO_LOG_LEVEL must be one of DEBUG, INFO") as raised:
        env_choice("DJANGO_LOG_LEVEL", ("DEBUG", "INFO"), "INFO", environ={"DJANGO_LOG_LEVEL": "verbose-level"})
    assert "verbose" not in str(raised.value)


def test_every_reader_is_registered_with_its_type() -> None:
    import project.settings.environment as environment

    assert set(READERS) == {name for name in environment.__all__ if name != "READERS"}
    for name, env_type in READERS.items():
        assert getattr(environment, name).env_type == env_type


def test_a_missing_key_in_deployed_settings_does_not_point_at_dotenv() -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        require("SECRET_KEY", environ={})
    assert ".env" not in str(raised.value)
    assert "lambda_bootstrap check" in str(raised.value)


def test_an_invisible_or_short_required_value_is_refused_by_name() -> None:
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set"):
        require("SECRET_KEY", environ={"SECRET_KEY": "\u200b\ufeff "})
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be at least 50 characters") as raised:
        require("SECRET_KEY", min_length=50, environ={"SECRET_KEY": "short-secret-value"})
    assert "short-secret-value" not in str(raised.value)


def test_a_secret_of_few_distinct_or_blank_looking_characters_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="5 different characters"):
        require("SECRET_KEY", min_length=50, environ={"SECRET_KEY": "ab" * 30})
    with pytest.raises(ImproperlyConfigured, match="is not set"):
        require("SECRET_KEY", min_length=50, environ={"SECRET_KEY": "\u3164" * 60})
