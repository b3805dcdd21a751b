"""The Lambda calls a roll makes: one variable on ``$LATEST``, a version published, an alias moved; each awaited.

Lambda applies each of them asynchronously (``LastUpdateStatus``, a version's
``State``: a SnapStart version is Pending until its snapshot exists, minutes
at worst), so each call here returns only once Lambda reports it done, and says
so while it waits. Writes carry the ``RevisionId`` they were decided on:
if someone else (``zappa update``, another roll) changed the function or the
alias meanwhile, Lambda refuses the write instead of overwriting theirs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambda_bootstrap.errors import AccessDeniedError, SourceError

from .aws import Aws
from .console import Console
from .errors import ConcurrentWriteError, ToolError

__all__ = ["FunctionVersions", "Published"]

_POLL_SECONDS = 2.0
_PRECONDITION_FAILED = "PreconditionFailedException"
_PROVISIONED_CONCURRENCY_NOT_FOUND = "ProvisionedConcurrencyConfigNotFoundException"


@dataclass(frozen=True)
class Published:
    version: str
    code_sha256: str


class FunctionVersions:
    """One function's configuration, versions and aliases, through the operator's credentials."""

    def __init__(self, aws: Aws, function: str, console: Console, *, wait_seconds: float) -> None:
        self.aws = aws
        self.function = function
        self.console = console
        self.wait_seconds = wait_seconds
        self._client = aws.client("lambda")

    def configuration(self, qualifier: str | None = None) -> dict[str, Any]:
        extra = {"Qualifier": qualifier} if qualifier else {}
        return dict(
            self._call(
                lambda: self._client.get_function_configuration(FunctionName=self.function, **extra),
                "lambda:GetFunctionConfiguration",
                qualifier,
            )
        )

    def alias(self, name: str) -> dict[str, Any]:
        return dict(
            self._call(lambda: self._client.get_alias(FunctionName=self.function, Name=name), "lambda:GetAlias", name)
        )

    def provisioned_concurrency(self, qualifier: str) -> int:
        """The concurrency provisioned on ``qualifier``; 0 where there is none."""
        try:
            found = self._call(
                lambda: self._client.get_provisioned_concurrency_config(
                    FunctionName=self.function, Qualifier=qualifier
                ),
                "lambda:GetProvisionedConcurrencyConfig",
                qualifier,
            )
        except SourceError as exc:
            if exc.code == _PROVISIONED_CONCURRENCY_NOT_FOUND:
                return 0
            if isinstance(exc, AccessDeniedError):
                raise
            raise ToolError(
                f"not rolled: cannot tell whether alias {qualifier} has provisioned concurrency: {exc}"
            ) from exc
        return int(found.get("RequestedProvisionedConcurrentExecutions") or 0)

    def set_variable(self, name: str, value: str) -> None:
        """``name=value`` in ``$LATEST``'s environment, every other variable kept; awaited."""
        current = self.configuration()
        environment = current.get("Environment") or {}
        if environment.get("Error"):  # e.g. no kms:Decrypt on the function's key: writing back would wipe them
            code = (environment["Error"] or {}).get("ErrorCode", "an error")
            raise ToolError(
                f"not rolled: Lambda answered {code} instead of {self.function}'s variables, so setting one "
                "would replace them all; grant what it names (kms:Decrypt on the function's key), then roll"
            )
        variables = dict(environment.get("Variables") or {})
        variables[name] = value
        revision = {"RevisionId": current["RevisionId"]} if current.get("RevisionId") else {}
        self._write(
            lambda: self._client.update_function_configuration(
                FunctionName=self.function, Environment={"Variables": variables}, **revision
            ),
            "lambda:UpdateFunctionConfiguration",
            None,
        )
        self._await(
            lambda: self.configuration(),
            field="LastUpdateStatus",
            busy="InProgress",
            what=f"{self.function}'s configuration update",
        )

    def publish(self, description: str) -> Published:
        """A new version of ``$LATEST`` as it is now; returned once Lambda reports it Active (its snapshot made)."""
        latest = self.configuration()
        revision = {"RevisionId": latest["RevisionId"]} if latest.get("RevisionId") else {}
        published = self._write(
            lambda: self._client.publish_version(
                FunctionName=self.function, CodeSha256=latest["CodeSha256"], Description=description, **revision
            ),
            "lambda:PublishVersion",
            None,
        )
        version = str(published["Version"])
        self._await(
            lambda: self.configuration(version),
            field="State",
            busy="Pending",
            what=f"version {version} of {self.function} (SnapStart makes its snapshot now)",
        )
        return Published(version, str(published["CodeSha256"]))

    def move_alias(self, name: str, version: str, revision: str | None) -> None:
        """Point alias ``name`` at ``version``, unless it moved since it was read (``revision``)."""

        def move() -> Any:
            if revision:
                return self._client.update_alias(
                    FunctionName=self.function, Name=name, FunctionVersion=version, RevisionId=revision
                )
            return self._client.update_alias(FunctionName=self.function, Name=name, FunctionVersion=version)

        self._write(move, "lambda:UpdateAlias", name)

    def _call(self, operation: Callable[[], Any], action: str, qualifier: str | None) -> Any:
        return self.aws.call(operation, resource=self._resource(qualifier), action=action)

    def _write(self, operation: Callable[[], Any], action: str, qualifier: str | None) -> Any:
        try:
            return self._call(operation, action, qualifier)
        except SourceError as exc:
            if exc.code == _PRECONDITION_FAILED:
                raise ConcurrentWriteError(
                    f"{self._resource(qualifier)} changed while this roll worked on it (another roll or a "
                    "`zappa update`?): nothing was overwritten; run the roll again"
                ) from None
            raise

    def _resource(self, qualifier: str | None) -> str:
        if not qualifier:
            return f"Lambda function {self.function}"
        return f"{'version' if qualifier.isdigit() else 'alias'} {qualifier} of Lambda function {self.function}"

    def _await(self, read: Callable[[], dict[str, Any]], *, field: str, busy: str, what: str) -> None:
        clock, sleep = self.aws.settings.clock, self.aws.settings.sleep or time.sleep
        started = clock()
        while True:
            state = read()
            status = str(state.get(field) or "")
            if status != busy:
                break
            waited = clock() - started
            if waited >= self.wait_seconds:
                raise ToolError(f"{what} is still {busy} after {waited:.0f} s: see the function in the Lambda console")
            self.console.note(f"  waiting for {what}: {busy}, {waited:.0f} s")
            sleep(_POLL_SECONDS)
        if status in ("Failed", "Inactive"):
            reason = state.get("StateReason") or state.get("LastUpdateStatusReason") or "no reason given"
            raise ToolError(f"{what} failed: {reason}")
