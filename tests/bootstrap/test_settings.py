"""BOOTSTRAP_* parsing: pointers in, a typed settings object or a clear error out."""

from __future__ import annotations

import pytest

from lambda_bootstrap import ConfigurationError
from lambda_bootstrap.settings import SecretSource, read_settings


def test_nothing_declared_means_local_development() -> None:
    settings = read_settings({})
    assert not settings.configured
    assert settings.ssm_path is None and settings.secrets == ()


def test_path_and_bare_secret_ids_derive_from_zappas_project_and_stage() -> None:
    settings = read_settings(
        {"PROJECT": "shop", "STAGE": "staging", "BOOTSTRAP_SSM_PATH": "/{app}/{stage}", "BOOTSTRAP_SECRETS": "database"}
    )
    assert settings.ssm_path == "/shop/staging/"
    assert settings.secrets == (SecretSource("shop/staging/database", "DATABASE"),)


def test_bootstrap_app_and_stage_win_over_zappas_names() -> None:
    settings = read_settings(
        {
            "PROJECT": "x",
            "STAGE": "y",
            "BOOTSTRAP_APP": "shop",
            "BOOTSTRAP_STAGE": "prod",
            "BOOTSTRAP_SSM_PATH": "/{app}/{stage}/",
        }
    )
    assert settings.ssm_path == "/shop/prod/"


def test_secret_entries_take_an_explicit_prefix_absolute_ids_and_arns() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds-AbCdEf"
    settings = read_settings(
        {"BOOTSTRAP_SECRETS": f" other/app/api-keys , =other/app/flat, DATABASE={arn}, KEY=team/a=b "}
    )
    assert settings.secrets == (
        SecretSource("other/app/api-keys", "API_KEYS"),
        SecretSource("other/app/flat", ""),
        SecretSource(arn, "DATABASE"),
        SecretSource("team/a=b", "KEY"),
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BOOTSTRAP_SSM_PATH": "/{app}/{stage}/"}, "neither BOOTSTRAP_APP nor Zappa's PROJECT"),
        ({"BOOTSTRAP_SSM_PATH": "/a/{region}/"}, "only {app} and {stage}"),
        ({"BOOTSTRAP_SSM_PATH": "shop/prod"}, "must start with '/'"),
        ({"BOOTSTRAP_SECRETS": "arn:aws:secretsmanager:us-east-1:1:secret:x"}, "give an ARN a key prefix"),
        ({"BOOTSTRAP_SECRETS": "a/b,a/b"}, "names a secret twice: a/b"),
        ({"BOOTSTRAP_SECRETS": "database"}, "uses {app}"),
        ({"BOOTSTRAP_OVERRIDE": "maybe"}, "BOOTSTRAP_OVERRIDE must be true or false"),
        ({"BOOTSTRAP_TIMEOUT": "soon"}, "BOOTSTRAP_TIMEOUT must be a number"),
        ({"BOOTSTRAP_TIMEOUT": "30000"}, "between 0.5 and 60"),
        ({"BOOTSTRAP_BINARY_SECRETS": "hex"}, "'error' or 'base64'"),
        ({"BOOTSTRAP_SSM_MANIFEST": "m.json"}, "BOOTSTRAP_SSM_PATH is not"),
    ],
)
def test_malformed_settings_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("{", r"\{").replace("}", r"\}").replace("(", r"\(")):
        read_settings(environ)


def test_required_keys_and_flags() -> None:
    settings = read_settings({"BOOTSTRAP_REQUIRED": "SECRET_KEY, DATABASE_URL,,", "BOOTSTRAP_OVERRIDE": "yes"})
    assert settings.required == ("SECRET_KEY", "DATABASE_URL")
    assert settings.override is True
