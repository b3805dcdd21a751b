"""The stage tooling's fixtures: a project folder holding a zappa_settings.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .tooling import STAGES


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder (the cwd) whose zappa_settings.json declares stages prod and staging of app shop."""
    (tmp_path / "zappa_settings.json").write_text(json.dumps(STAGES, indent=4), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path
