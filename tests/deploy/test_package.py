"""What ``zappa package prod`` puts in the zip: the project and its runtime, nothing local or secret."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

import pytest

from tests.deploy.conftest import API_TOKEN, ENV_FILE_CANARY
from tests.stage import STRONG_SECRET_KEY

DEV_TOOLS = ("pytest", "_pytest", "pytest_django", "moto", "mypy", "ruff", "pip", "setuptools", "troposphere")
MIB = 1024 * 1024
LAMBDA_ZIP_LIMIT = 50 * MIB  # direct upload
LAMBDA_UNZIPPED_LIMIT = 250 * MIB


@pytest.fixture(scope="module")
def entries(lambda_package: Path) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(lambda_package) as archive:
        return archive.infolist()


def test_package_holds_the_handler_project_and_runtime(entries: list[zipfile.ZipInfo]) -> None:
    names = {entry.filename for entry in entries}
    assert {"handler.py", "zappa_settings.py", "django_zappa_app.py", "project/settings/aws_lambda.py"} <= names
    assert {"lambda_bootstrap/loader.py", "django/__init__.py", "boto3/__init__.py", "psycopg2/__init__.py"} <= names


def test_package_holds_no_local_files_tests_or_dev_tools(entries: list[zipfile.ZipInfo]) -> None:
    paths = [PurePosixPath(entry.filename) for entry in entries]
    assert not [p for p in paths if p.name == ".env" or p.name.startswith(".env.")]
    assert not [p for p in paths if {"tests", "bench", "bin", ".git", "__pycache__"} & set(p.parts)]
    assert not [p for p in paths if p.suffix in {".pyc", ".po", ".sqlite3"}]  # .po: gettext reads .mo
    assert not [p for p in paths if p.parts[0] in DEV_TOOLS]


def test_package_holds_no_secret_value(lambda_package: Path, entries: list[zipfile.ZipInfo]) -> None:
    """Seeded values and the local .env's value appear in no file; the settings hold pointers only."""
    needles = [value.encode() for value in (STRONG_SECRET_KEY, API_TOKEN, ENV_FILE_CANARY)]
    with zipfile.ZipFile(lambda_package) as archive:
        for entry in entries:
            content = archive.read(entry)
            assert not [needle for needle in needles if needle in content], entry.filename
        settings = archive.read("zappa_settings.py").decode()
    assert (
        "ENVIRONMENT_VARIABLES={'AWS_REGION': 'us-east-1', 'BOOTSTRAP_SSM_PATH': '/{app}/{stage}/', "
        "'BOOTSTRAP_SECRETS': 'database', 'BOOTSTRAP_REQUIRED': 'SECRET_KEY,ALLOWED_HOSTS,DATABASE_URL'}"
    ) in settings.splitlines()
    assert "REMOTE_ENV" not in settings


def test_package_size_is_within_lambda_limits(lambda_package: Path, entries: list[zipfile.ZipInfo]) -> None:
    compressed = lambda_package.stat().st_size
    uncompressed = sum(entry.file_size for entry in entries)
    print(  # shown with -s: see README "End to end without AWS"
        f"\nzappa package prod: {compressed / MIB:.1f} MiB zipped, {uncompressed / MIB:.1f} MiB unzipped, "
        f"{len(entries)} files"
    )
    assert compressed < LAMBDA_ZIP_LIMIT
    assert uncompressed < LAMBDA_UNZIPPED_LIMIT
