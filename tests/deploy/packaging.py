"""Running Zappa the way a user does, from a copy of the project and the runtime virtualenv.

Zappa packages the current directory and the active virtualenv, and writes
temporary files and the zip next to them. Working from a copy in the test's
own folder keeps the shared tree untouched, and ``VIRTUAL_ENV`` pointing at
``.venv-runtime`` (``requirements.txt`` only) keeps the test tools out of the
zip, exactly as docs/deploying.md tells a user to deploy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from testsupport.moto_gaps import tolerate_moto_missing_function_url_api

__all__ = [
    "RUNTIME_VENV",
    "TEST_ONLY_OVERRIDES",
    "ZappaRunError",
    "build_package",
    "copy_project",
    "prepare_zappa_in_process",
    "run_zappa",
    "stage_config",
    "write_test_settings",
    "zappa_environment",
]

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_VENV = ROOT / ".venv-runtime"

# Each one is documented in docs/testing.md as test-only.
TEST_ONLY_OVERRIDES: dict[str, Any] = {
    "touch": False,  # touch GETs the real execute-api domain after deploy/update
    "use_precompiled_packages": False,  # one PyPI look-up per installed package
    "delete_s3_zip": False,  # keep the uploaded zip in (moto's) S3 so a test can open it
}

# Never part of the copy Zappa packages: virtualenvs, git, caches, local values.
_NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv*", "venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "*.zip", "*.tar.gz"
)


class ZappaRunError(RuntimeError):
    """A Zappa command run by the tests failed; carries its output for the failure report."""


def copy_project(destination: Path) -> Path:
    """A copy of the working tree (what ``git clone`` plus local edits would give), minus venvs and caches."""
    shutil.copytree(ROOT, destination, ignore=_NOT_COPIED)
    return destination


def stage_config(settings: dict[str, Any], stage: str) -> dict[str, Any]:
    """A stage's settings with ``extends`` applied the way Zappa does it (shallow, parent first)."""
    own = dict(settings[stage])
    parent = own.pop("extends", None)
    return {**stage_config(settings, parent), **own} if parent else own


def write_test_settings(source: Path, destination: Path) -> Path:
    """The project's zappa_settings.json with the test-only overrides on every stage; passed with ``-s``."""
    settings = json.loads(source.read_text())
    for stage in settings.values():
        stage.update(TEST_ONLY_OVERRIDES)
    destination.write_text(json.dumps(settings, indent=4))
    return destination


def zappa_environment(endpoint: str, tmp_dir: Path) -> dict[str, str]:
    """Variables every Zappa run needs here: the runtime venv, a private TMPDIR, moto as the only AWS."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    return {"VIRTUAL_ENV": str(RUNTIME_VENV), "TMPDIR": str(tmp_dir), "AWS_ENDPOINT_URL": endpoint}


def prepare_zappa_in_process(monkeypatch: pytest.MonkeyPatch, project: Path, endpoint: str, tmp_dir: Path) -> None:
    """This process made ready to run Zappa's CLI as a user would from ``project``, against moto.

    Shared by the deploy tests and bin/demo: the runtime venv, a private
    TMPDIR (``tempfile`` caches it, so its cache is set too), the project as
    the working directory, and the one moto gap bridged (testsupport/moto_gaps.py).
    """
    for name, value in zappa_environment(endpoint, tmp_dir).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_dir))
    monkeypatch.chdir(project)
    tolerate_moto_missing_function_url_api(monkeypatch)


def run_zappa(command: str, stage: str, settings_file: Path, *extra: str) -> None:
    """``zappa <command> <stage> -j -s <settings>`` in this process (after prepare_zappa_in_process)."""
    from zappa.cli import ZappaCLI

    ZappaCLI().handle([command, stage, "-j", "-s", str(settings_file), *extra])


def build_package(project: Path, settings_file: Path, stage: str, output: Path, endpoint: str) -> Path:
    """``zappa package <stage> -j -o <output>`` in a fresh process, as a user runs it from the project."""
    env = {**os.environ, **zappa_environment(endpoint, output.parent / "zappa-tmp")}
    command = [sys.executable, "-c", "from zappa.cli import handle; handle()"]
    completed = subprocess.run(
        [*command, "package", stage, "-j", "-s", str(settings_file), "-o", str(output)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0 or not output.is_file():
        raise ZappaRunError(
            f"zappa package {stage} failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}"
        )
    return output
