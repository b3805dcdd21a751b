"""Each settings module starts as it will in its place: Lambda stages from AWS, dev from .env."""

from __future__ import annotations

from pathlib import Path

import pytest

from testsupport.django_project import clean_environment, lambda_environment, run_manage
from testsupport.stage import seed_stage


@pytest.fixture
def lambda_env(moto_endpoint: str, postgres_url: str) -> dict[str, str]:
    """A process environment as Zappa's handler leaves it for stage prod, before the bootstrap."""
    seed_stage("coldstart", "prod", postgres_url)
    seed_stage("coldstart", "staging", postgres_url)
    seed_stage("coldstart", "prod-vpc", postgres_url)
    return lambda_environment(moto_endpoint, app="coldstart", stage="prod")


def test_prod_passes_check_deploy_with_config_from_the_bootstrap(lambda_env: dict[str, str]) -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=lambda_env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_staging_and_prod_pick_their_settings(lambda_env: dict[str, str]) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.DEBUG, s.DATABASES['default']['ENGINE'], s.DATABASES['default']['HOST'])"
    )
    for stage, hsts in (("prod", "31536000"), ("staging", "3600")):
        result = run_manage("shell", "-c", code, env={**lambda_env, "STAGE": stage})
        assert result.returncode == 0, result.stderr
        expected = [hsts, "False", "lambda_bootstrap.django.postgresql", "127.0.0.1"]
        assert result.stdout.strip().splitlines()[-1].split() == expected


def test_django_stage_settings_picks_the_module_of_another_stage_and_refuses_dev(lambda_env: dict[str, str]) -> None:
    """zappa_settings.json's prod-vpc stage runs prod's settings through DJANGO_STAGE_SETTINGS (aws_lambda.py)."""
    code = "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, s.DEBUG)"
    prod_vpc = {**lambda_env, "STAGE": "prod-vpc"}
    by_default = run_manage("shell", "-c", code, env=prod_vpc)
    assert by_default.returncode == 0, by_default.stderr
    assert by_default.stdout.strip().splitlines()[-1].split() == ["3600", "False"]  # staging's, as any stage
    chosen = run_manage("shell", "-c", code, env={**prod_vpc, "DJANGO_STAGE_SETTINGS": "project.settings.prod"})
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.strip().splitlines()[-1].split() == ["31536000", "False"]  # prod's
    refused = run_manage("check", env={**prod_vpc, "DJANGO_STAGE_SETTINGS": "project.settings.dev"})
    assert refused.returncode != 0
    assert "not 'project.settings.dev' (DJANGO_STAGE_SETTINGS, stage 'prod-vpc')" in refused.stderr


def test_a_missing_parameter_stops_the_start_naming_it(lambda_env: dict[str, str]) -> None:
    result = run_manage("check", env={**lambda_env, "BOOTSTRAP_REQUIRED": "SECRET_KEY,SENTRY_DSN"})
    assert result.returncode != 0
    assert "ConfigurationError: required configuration missing or blank: SENTRY_DSN" in result.stderr


def test_on_lambda_a_stage_without_sources_refuses_to_start(lambda_env: dict[str, str]) -> None:
    env = {k: v for k, v in lambda_env.items() if not k.startswith("BOOTSTRAP_")}
    result = run_manage("check", env={**env, "AWS_LAMBDA_FUNCTION_NAME": "coldstart-prod"})
    assert result.returncode != 0
    assert "no configuration source" in result.stderr


@pytest.mark.e2e  # fresh interpreters (manage.py)
def test_dev_settings_run_without_aws_at_all(tmp_path: Path) -> None:
    env = clean_environment(
        DJANGO_SETTINGS_MODULE="project.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        AWS_ENDPOINT_URL="http://127.0.0.1:9",  # anything reaching AWS would fail
    )
    for key in [k for k in env if k.startswith("AWS_") and k != "AWS_ENDPOINT_URL"]:
        del env[key]
    result = run_manage("migrate", "--noinput", env=env)
    assert result.returncode == 0, result.stderr
    result = run_manage(
        "shell",
        "-c",
        "import sys; from django.conf import settings; print(settings.DEBUG, 'boto3' in sys.modules)",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["True", "False"]
