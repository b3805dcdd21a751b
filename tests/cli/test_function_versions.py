"""Waiting for Lambda to apply a step: progress while it works, a named failure, a bounded wait (fake clock).

moto answers every step at once (a version is Active when published), so the
states Lambda reports while it works are scripted here, in the shapes AWS gives.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from lambda_bootstrap_cli.aws import Aws, CallSettings
from lambda_bootstrap_cli.console import Console
from lambda_bootstrap_cli.errors import ToolError
from lambda_bootstrap_cli.function_versions import FunctionVersions
from testsupport.clocks import FakeClock


class ScriptedStates(FunctionVersions):
    """A function whose version reports ``states`` in turn, then the last one for ever."""

    def __init__(self, states: list[dict[str, Any]], clock: FakeClock, wait_seconds: float = 60.0) -> None:
        self.err = io.StringIO()
        aws = Aws("us-east-1", 1, CallSettings(clock=clock, sleep=clock.sleep))
        super().__init__(aws, "shop-prod", Console(out=io.StringIO(), err=self.err), wait_seconds=wait_seconds)
        self.states = states

    def configuration(self, qualifier: str | None = None) -> dict[str, Any]:
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def wait_for_version(self) -> None:
        self._await(lambda: self.configuration("7"), field="State", busy="Pending", what="version 7 of shop-prod")


def test_a_pending_version_is_awaited_with_progress(fake_clock: FakeClock) -> None:
    function = ScriptedStates([{"State": "Pending"}, {"State": "Pending"}, {"State": "Active"}], fake_clock)
    function.wait_for_version()
    assert function.err.getvalue().count("waiting for version 7 of shop-prod: Pending") == 2


def test_a_version_lambda_could_not_make_names_the_reason(fake_clock: FakeClock) -> None:
    failed = {"State": "Failed", "StateReason": "SnapStart snapshot creation failed: init exceeded 10 s"}
    function = ScriptedStates([{"State": "Pending"}, failed], fake_clock)
    with pytest.raises(ToolError, match="version 7 of shop-prod failed: SnapStart snapshot creation failed"):
        function.wait_for_version()


def test_the_wait_is_bounded(fake_clock: FakeClock) -> None:
    function = ScriptedStates([{"State": "Pending"}], fake_clock, wait_seconds=30.0)
    with pytest.raises(ToolError, match=r"still Pending after 30 s"):
        function.wait_for_version()


def test_variables_lambda_could_not_show_are_never_written_over(fake_clock: FakeClock) -> None:
    """GetFunctionConfiguration answers Environment.Error (no kms:Decrypt on the function's key): no write."""
    unreadable = {"Environment": {"Error": {"ErrorCode": "KMSAccessDeniedException", "Message": "..."}}}
    function = ScriptedStates([unreadable], fake_clock)
    with pytest.raises(ToolError, match="KMSAccessDeniedException instead of shop-prod's variables"):
        function.set_variable("BOOTSTRAP_CONFIG_VERSION", "0123456789abcdef")
