"""The stage tooling's fixtures: a project folder holding a zappa_settings.json; another writer at a chosen moment."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from testsupport.aws_calls import AwsCalls

from .tooling import BUNDLE_STAGES, STAGES, use_stages


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder (the cwd) whose zappa_settings.json declares stages prod and staging of app shop."""
    (tmp_path / "zappa_settings.json").write_text(json.dumps(STAGES, indent=4), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def bundle_project(project: Path) -> Path:
    """The project with the bundle layout: prod reads its bundle and its database secret (tooling.BUNDLE_STAGES)."""
    use_stages(project, BUNDLE_STAGES)
    return project


Interleave = Callable[..., None]


@pytest.fixture
def before_call(aws_calls: AwsCalls, monkeypatch: pytest.MonkeyPatch) -> Interleave:
    """``before_call("PutSecretValue", action, times=1)``: run ``action`` (another writer) just before each of
    the next ``times`` calls of that operation this process makes (None: every one). The action's own AWS
    calls go through unhindered."""
    intercept = aws_calls.intercept
    planned: list[tuple[str, Callable[[], object], list[int | None]]] = []
    running = [False]

    def interleave(name: str) -> None:
        if not running[0]:
            for operation, action, left in planned:
                if operation == name and left[0] != 0:
                    left[0] = None if left[0] is None else left[0] - 1
                    running[0] = True
                    try:
                        action()
                    finally:
                        running[0] = False
        intercept(name)

    monkeypatch.setattr(aws_calls, "intercept", interleave)

    def plan(operation: str, action: Callable[[], object], times: int | None = 1) -> None:
        planned.append((operation, action, [times]))

    return plan
