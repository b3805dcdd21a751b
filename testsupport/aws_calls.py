"""Counting every boto3 API call in a process, and injecting AWS errors or altered answers.

It wraps botocore's ``BaseClient._make_api_call``: each call is counted
whatever client made it, and an injected fault raises the same ClientError
botocore raises when AWS answers with that error. Used by the tests' ``aws_calls``
fixture and by the benchmarks' measured children.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AwsCalls"]


@dataclass
class _Fault:
    operation: str
    code: str
    status: int
    message: str
    times: int | None


@dataclass
class AwsCalls:
    """Calls by operation name; ``install()`` starts counting in this process."""

    counts: Counter[str] = field(default_factory=Counter)
    _faults: list[_Fault] = field(default_factory=list)
    _rewrites: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def reset(self) -> None:
        self.counts.clear()

    def fail(
        self, operation: str, code: str, *, status: int = 400, message: str = "", times: int | None = None
    ) -> None:
        """Answer ``operation`` with AWS error ``code`` (``times`` times, or always)."""
        self._faults.append(_Fault(operation, code, status, message or f"injected {code}", times))

    def rewrite(self, operation: str, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        """Answer ``operation`` with ``change(AWS's answer)``: HTTP 200, but not what was asked."""
        self._rewrites[operation] = change

    def answer(self, operation: str, answer: dict[str, Any]) -> dict[str, Any]:
        change = self._rewrites.get(operation)
        return answer if change is None else change(answer)

    def intercept(self, operation: str) -> None:
        from botocore.exceptions import ClientError

        self.counts[operation] += 1
        for fault in self._faults:
            if fault.operation == operation and fault.times != 0:
                if fault.times is not None:
                    fault.times -= 1
                raise ClientError(
                    {
                        "Error": {"Code": fault.code, "Message": fault.message},
                        "ResponseMetadata": {"HTTPStatusCode": fault.status},
                    },
                    operation,
                )

    def wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        """``BaseClient._make_api_call`` counted (and faulted) by this recorder."""

        def counted(client: Any, operation_name: str, api_params: Any) -> Any:
            self.intercept(operation_name)
            return self.answer(operation_name, original(client, operation_name, api_params))

        return counted

    def install(self) -> Callable[[], None]:
        """Count from now on in this process; returns the function that stops counting."""
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        BaseClient._make_api_call = self.wrap(original)

        def uninstall() -> None:
            BaseClient._make_api_call = original

        return uninstall
