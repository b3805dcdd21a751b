"""What ``zappa package prod`` puts in the zip: the project and its runtime, nothing local or secret."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from deploy.runtime_package import RUNTIME_SERVICES
from tests.deploy.conftest import API_TOKEN, ENV_FILE_CANARY
from testsupport.aws_env import FAKE_AWS
from testsupport.lambda_python import RUNTIME, the_runtime_python
from testsupport.lambda_runtime import LambdaFunction
from testsupport.stage import STRONG_SECRET_KEY

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
    assert not [p for p in paths if {"tests", "testsupport", "bench", "bin", ".git"} & set(p.parts)]
    assert not [p for p in paths if p.suffix in {".po", ".sqlite3"}]  # .po: gettext reads .mo
    assert not [p for p in paths if p.parts[0] in DEV_TOOLS]


def test_the_operator_tool_never_ships_and_the_runtime_requires_no_dev_tool(
    lambda_package: Path, entries: list[zipfile.ZipInfo]
) -> None:
    """The tool writes to SSM, Secrets Manager and Lambda: it has no business in the function's zip."""
    paths = [PurePosixPath(entry.filename) for entry in entries]
    assert not [p for p in paths if p.parts[0].startswith(("lambda_bootstrap_cli", "lambda-bootstrap-cli"))]
    assert not [p for p in paths if p.parts[0].startswith("__editable__") or p.parts[0].endswith(".egg-info")]
    with zipfile.ZipFile(lambda_package) as archive:
        metadata = archive.read("lambda_bootstrap-1.0.0.dist-info/METADATA").decode()
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert [r for r in requires if "extra ==" not in r] == ["boto3>=1.34"]
    assert not [r for r in requires if r.split()[0].lower() in {"pytest", "moto", "ruff", "mypy", "zappa"}]


def test_bytecode_is_hash_checked_so_lambda_can_use_it(lambda_package: Path, entries: list[zipfile.ZipInfo]) -> None:
    """Zappa dates zip entries 1980-01-01: only hash-checked .pyc files (PEP 552) stay valid on Lambda."""
    names = {entry.filename for entry in entries}
    sources = [  # (Zappa drops an empty __init__.py into every folder, __pycache__ ones too)
        n
        for n in names
        if n.endswith(".py") and n.split("/")[0] in {"project", "lambda_bootstrap", "django"} and "__pycache__" not in n
    ]
    tag = "cpython-{}{}".format(*RUNTIME.version)  # the runtime's interpreter, not the test's
    missing = [
        s for s in sources if f"{s.rsplit('/', 1)[0]}/__pycache__/{s.rsplit('/', 1)[1][:-3]}.{tag}.pyc" not in names
    ]
    assert not missing
    with zipfile.ZipFile(lambda_package) as archive:
        flags = {
            int.from_bytes(archive.read(entry)[4:8], "little") for entry in entries if entry.filename.endswith(".pyc")
        }
    assert flags == {0b11}  # hash-based, checked against the source: never stale, never wrong


def test_package_holds_no_secret_value(lambda_package: Path, entries: list[zipfile.ZipInfo]) -> None:
    """Seeded values and the local .env's value appear in no file; the settings hold pointers only."""
    needles = [value.encode() for value in (STRONG_SECRET_KEY, API_TOKEN, ENV_FILE_CANARY)]
    with zipfile.ZipFile(lambda_package) as archive:
        for entry in entries:
            content = archive.read(entry)
            assert not [needle for needle in needles if needle in content], entry.filename
        settings = archive.read("zappa_settings.py").decode()
    assert (
        "ENVIRONMENT_VARIABLES={'AWS_REGION': 'us-east-1', 'BOOTSTRAP_BUNDLE': 'config', "
        "'BOOTSTRAP_SECRETS': 'database', 'BOOTSTRAP_REQUIRED': 'SECRET_KEY,ALLOWED_HOSTS,DATABASE_URL', "
        "'BOOTSTRAP_RESERVED': 'DJANGO_STAGE_SETTINGS'}"
    ) in settings.splitlines()
    assert "REMOTE_ENV" not in settings


def test_package_size_is_within_lambda_limits(lambda_package: Path, entries: list[zipfile.ZipInfo]) -> None:
    compressed = lambda_package.stat().st_size
    uncompressed = sum(entry.file_size for entry in entries)
    print(  # shown with -s: quoted in docs/packaging.md
        f"\nzappa package prod: {compressed / MIB:.1f} MiB zipped, {uncompressed / MIB:.1f} MiB unzipped, "
        f"{len(entries)} files"
    )
    assert compressed < LAMBDA_ZIP_LIMIT
    assert uncompressed < LAMBDA_UNZIPPED_LIMIT


_CLIENTS = """
import json, sys
import boto3
from botocore.exceptions import UnknownServiceError
made = {s: boto3.client(s, region_name="eu-west-1").meta.endpoint_url for s in sys.argv[1:]}
try:
    boto3.client("ec2", region_name="eu-west-1")
    cut = False
except UnknownServiceError:
    cut = True
print(json.dumps({"made": made, "ec2 cut": cut}))
"""


def test_the_package_makes_every_client_the_function_needs_and_no_other(
    prod_function: LambdaFunction, entries: list[zipfile.ZipInfo]
) -> None:
    """botocore's data holds the bootstrap's and Zappa's services only (deploy/runtime_package.py)."""
    services = {PurePosixPath(e.filename).parts[2] for e in entries if e.filename.startswith("botocore/data/")}
    services.discard("endpoints.json")
    services -= {name for name in services if name.endswith(".json")}
    assert services == set(RUNTIME_SERVICES)
    done = subprocess.run(
        [str(the_runtime_python()), "-s", "-S", "-B", "-c", _CLIENTS, *RUNTIME_SERVICES],
        cwd=prod_function.task_root,
        env={**FAKE_AWS, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(prod_function.task_root)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["ec2 cut"] is True
    assert result["made"]["secretsmanager"] == "https://secretsmanager.eu-west-1.amazonaws.com"
    assert all(url.startswith("https://") and url.endswith(".amazonaws.com") for url in result["made"].values())
