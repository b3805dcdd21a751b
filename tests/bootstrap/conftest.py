"""The bootstrap's tests share tests/conftest.py's fake account, stage environment and clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def snapstart_init(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An init that Lambda will snapshot: the runtime's hook registry (awslambdaric's) emptied before and after."""
    import snapshot_restore_py

    from lambda_bootstrap import snapstart

    def empty() -> None:
        snapshot_restore_py.get_before_snapshot().clear()
        snapshot_restore_py.get_after_restore().clear()
        for registry in (snapstart._before, snapstart._on_change, snapstart._registered):
            registry.clear()

    empty()
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", snapstart.SNAPSTART)
    yield
    empty()
