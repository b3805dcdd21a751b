"""A local file git does not track never rides along in the zip: packaging stops, naming it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from deploy.package_guard import UntrackedFilesError, refuse_untracked_files, untracked_packaged_files

CANARY = "guard-canary-value-" + "x7" * 10


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "zappa_settings.json").write_text(json.dumps({"prod": {"exclude": [".env", ".env.*", "*.sqlite3"]}}))
    (tmp_path / "app.py").write_text("print('tracked')\n")
    (tmp_path / ".gitignore").write_text(".env*\n*.bak\n__pycache__/\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init")
    return tmp_path


def test_untracked_and_ignored_files_stop_the_package_by_name(checkout: Path) -> None:
    for name in (".env", ".env.prod", "db.sqlite3"):  # excluded by a pattern: fine
        (checkout / name).write_text(CANARY)
    (checkout / "__pycache__").mkdir()
    (checkout / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"bytecode")  # prebuild's own output
    for name in (".envrc", "secrets.json.bak", "prod.env"):
        (checkout / name).write_text(CANARY)
    (checkout / ".aws").mkdir()
    (checkout / ".aws" / "credentials").write_text(CANARY)

    assert untracked_packaged_files(checkout) == [".aws/credentials", ".envrc", "prod.env", "secrets.json.bak"]
    with pytest.raises(UntrackedFilesError) as raised:
        refuse_untracked_files(checkout)
    message = str(raised.value)
    assert "4 file(s) git does not track" in message and ".aws/credentials" in message
    assert CANARY not in message


def test_a_clean_checkout_packages_and_a_copy_is_let_through(checkout: Path, tmp_path_factory) -> None:
    refuse_untracked_files(checkout)
    assert untracked_packaged_files(tmp_path_factory.mktemp("not-a-checkout")) is None


def test_a_checkout_git_will_not_read_stops_the_package(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_DIR", str(checkout / "no-such-git-dir"))  # git fails, as on another user's checkout
    with pytest.raises(UntrackedFilesError, match="git cannot list its untracked files"):
        refuse_untracked_files(checkout)


def test_only_patterns_every_stage_excludes_count(checkout: Path) -> None:
    settings = {"prod": {"exclude": [".env"]}, "dev": {"extends": "prod", "exclude": [".env", "*secrets*"]}}
    (checkout / "zappa_settings.json").write_text(json.dumps(settings))
    git(checkout, "add", "zappa_settings.json")
    git(checkout, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "stages")
    (checkout / "prod-secrets.txt").write_text(CANARY)  # excluded by dev alone: prod would package it
    assert untracked_packaged_files(checkout) == ["prod-secrets.txt"]
