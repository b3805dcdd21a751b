"""Fixtures for the end-to-end tests: one Zappa package per session, a seeded stage, a migrated database.

The package is built once (it takes seconds) from a copy of the project, with
the runtime virtualenv, then unzipped as Lambda's task root. Every container
started from it is a fresh interpreter (see testsupport/lambda_runtime.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.deploy.packaging import RUNTIME_VENV, build_package, copy_project, stage_config, write_test_settings
from testsupport.lambda_events import API_HOST, manage_event
from testsupport.lambda_runtime import ContainerRun, LambdaFunction, unzip_package
from testsupport.moto_server import reset_moto
from testsupport.pg import scratch_database
from testsupport.stage import seed_stage

APP = "coldstart"
STAGE = "prod"
EXPECTED_BOOTSTRAP_CALLS = {"GetSecretValue": 2}  # the bundle and the database secret
API_TOKEN = "e2e-api-token-" + "Zq7" * 8
HEALTH_TOKEN = "e2e-health-token-" + "Hv5" * 11  # unlocks /health/'s detailed report
ENV_FILE_CANARY = "local-dotenv-canary-" + "Kp3" * 8  # planted in the copy's .env, must stay out of the zip
E2E_DATABASE = "coldstart_e2e"


@dataclass(frozen=True)
class SeededStage:
    endpoint: str
    secret_values: tuple[str, ...]  # everything seeded that is secret: never in a log, a response or the zip


@pytest.fixture(scope="session")
def deploy_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (RUNTIME_VENV / "bin" / "python").exists():
        pytest.fail(f"{RUNTIME_VENV} is missing: run the suite with bin/test, which builds it from requirements.txt")
    return tmp_path_factory.mktemp("deploy")


@pytest.fixture(scope="session")
def project_copy(deploy_workspace: Path) -> Path:
    """The project as a user's checkout looks after ``bin/serve``: with a local ``.env``."""
    project = copy_project(deploy_workspace / "project")
    (project / ".env").write_text(f"SECRET_KEY={ENV_FILE_CANARY}\nDEBUG=true\n")
    return project


@pytest.fixture(scope="session")
def test_settings_file(project_copy: Path, deploy_workspace: Path) -> Path:
    return write_test_settings(project_copy / "zappa_settings.json", deploy_workspace / "zappa_settings.test.json")


@pytest.fixture(scope="session")
def lambda_package(project_copy: Path, test_settings_file: Path, deploy_workspace: Path, moto_server: str) -> Path:
    return build_package(project_copy, test_settings_file, STAGE, deploy_workspace / f"{APP}-{STAGE}.zip", moto_server)


@pytest.fixture(scope="session")
def prod_function(lambda_package: Path, test_settings_file: Path, deploy_workspace: Path) -> LambdaFunction:
    """The prod function as Zappa would configure it, its code the unzipped package."""
    config = stage_config(json.loads(test_settings_file.read_text()), STAGE)
    return LambdaFunction(
        task_root=unzip_package(lambda_package, deploy_workspace / "task"),
        name=f"{APP}-{STAGE}",
        region=config["aws_region"],
        memory_mb=config["memory_size"],
        timeout_seconds=config["timeout_seconds"],
        variables=dict(config["aws_environment_variables"]),
        handler=config.get("lambda_handler", "handler.lambda_handler"),
    )


@pytest.fixture(scope="session")
def e2e_database_url() -> Iterator[str]:
    """A database of its own in the throwaway PostgreSQL, so migrations here touch no other test's."""
    with scratch_database(E2E_DATABASE) as url:
        yield url


def seed_app_stage(stage: str, endpoint: str, database_url: str) -> SeededStage:
    """The operator's first deploy step (docs/deploying.md), against moto."""
    parameters = {"ALLOWED_HOSTS": API_HOST, "API_TOKEN": API_TOKEN, "HEALTH_TOKEN": HEALTH_TOKEN}
    values = seed_stage(APP, stage, database_url, parameters, endpoint)
    password = urlsplit(database_url).password or ""
    return SeededStage(endpoint, (values["SECRET_KEY"], values["API_TOKEN"], values["HEALTH_TOKEN"], password))


@pytest.fixture(scope="session")
def migrated_prod(prod_function: LambdaFunction, moto_server: str, e2e_database_url: str) -> ContainerRun:
    """``zappa manage prod migrate``, as a container: the first thing an operator runs after deploy."""
    reset_moto(moto_server)
    seed_app_stage(STAGE, moto_server, e2e_database_url)
    run = prod_function.cold_start([manage_event("migrate")], endpoint=moto_server)
    if run.init_error or run.invocations[0].error:
        pytest.fail(f"migrate through Zappa's handler failed:\n{run.output}")
    return run


@pytest.fixture
def prod_stage(moto_endpoint: str, e2e_database_url: str) -> SeededStage:
    """A freshly reset moto with prod's parameters and database secret seeded."""
    return seed_app_stage(STAGE, moto_endpoint, e2e_database_url)
