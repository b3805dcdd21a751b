"""Errors of the stage tooling: each says what to fix, none carries a value.

They subclass the bootstrap's own :class:`BootstrapError`, so a caller (or a
test) catches the tooling's errors and the AWS errors mapped by
``retry.call_aws`` (access denied naming the IAM action, not found, throttled)
the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import AccessDeniedError, BootstrapError, SourceError

__all__ = [
    "AwsSetupError",
    "ConcurrentWriteError",
    "DotenvError",
    "OperatorAccessDeniedError",
    "PushInterruptedError",
    "SecretTooLargeError",
    "StageError",
    "ToolError",
]


class ToolError(BootstrapError):
    """Bad input to a command: nothing was changed."""


class StageError(ToolError):
    """zappa_settings.json cannot be read, or does not declare the stage."""


class SecretTooLargeError(ToolError):
    """The JSON a push would write is past Secrets Manager's limit: refused before any write."""


class DotenvError(ToolError):
    """A .env file is malformed; names the file and line, never the line's text."""

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        self.file = file
        self.line = line
        super().__init__(f"{file}, line {line}: {reason}" if line is not None else f"{file}: {reason}")


class PushInterruptedError(BootstrapError):
    """A push stopped midway: says which keys reached AWS and which did not."""

    def __init__(self, target: str, written: Sequence[str], not_written: Sequence[str], cause: BaseException) -> None:
        self.written = tuple(written)
        self.not_written = tuple(not_written)
        super().__init__(
            f"push to {target} stopped: {cause}\n"
            f"  written ({len(self.written)}): {', '.join(self.written) or 'none'}\n"
            f"  not written ({len(self.not_written)}): {', '.join(self.not_written) or 'none'}\n"
            f"  {'grant the action named above, then ' if isinstance(cause, AccessDeniedError) else ''}"
            "run the same push again to finish: keys already written show as unchanged"
        )


class ConcurrentWriteError(BootstrapError):
    """Another writer changed a secret while a push was working on it: ``lost`` names keys that may be gone.

    Raised before writing (nothing written, ``lost`` empty) or after (this push's
    write replaced another one it never saw).
    """

    def __init__(self, message: str, *, lost: Sequence[str]) -> None:
        self.lost = tuple(lost)
        super().__init__(message)


class AwsSetupError(ToolError):
    """No AWS client can be made: a missing profile, a malformed endpoint. Nothing was called."""


class OperatorAccessDeniedError(AccessDeniedError):
    """The operator's own credentials were refused: names who, what, where, and whose fix it is."""

    def __init__(self, resource: str, action: str, *, code: str, who: str, where: str, write: bool) -> None:
        if write:
            fix = "grant it to these credentials; never to the Lambda's role, which only reads"
        else:
            fix = "grant it to these credentials"
        SourceError.__init__(
            self,
            f"access denied {'writing' if write else 'reading'} {resource}: {who} may not {action} "
            f"({where}; AWS said {code}); {fix}",
            resource=resource,
            action=action,
            code=code,
        )
