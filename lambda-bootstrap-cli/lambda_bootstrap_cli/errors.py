"""Errors of the operator tool, one per exit status; none carries a value.

They subclass the bootstrap's :class:`~lambda_bootstrap.BootstrapError`, so the
tool catches its own errors and the AWS errors mapped by the bootstrap's retry
path (access denied naming the IAM action, not found, unavailable) the same way.

========  ====================================================================
exit      meaning
========  ====================================================================
2         :class:`ToolError` and any other BootstrapError: bad input, or an AWS
          call refused or unreachable before anything was written
3         :class:`WriteStoppedError`: a write stopped midway; it lists what
          landed and what did not
4         :class:`ConcurrentWriteError`: another writer changed the target and
          this write could not be re-applied on top of it; nothing of this
          write is current
5         :class:`WriteOutcomeUnknownError`: a write was sent but its answer
          never came (a timeout, Ctrl-C): it may or may not have landed
========  ====================================================================
"""

from __future__ import annotations

from collections.abc import Sequence

from lambda_bootstrap.errors import AccessDeniedError, BootstrapError, SourceError

__all__ = [
    "ConcurrentWriteError",
    "OperatorAccessDeniedError",
    "ToolError",
    "WriteOutcomeUnknownError",
    "WriteStoppedError",
    "reason",
]


class ToolError(BootstrapError):
    """Bad input to a command (a file, a flag, zappa_settings.json), or a write refused: nothing was changed."""


class WriteStoppedError(BootstrapError):
    """A write stopped midway: says which keys reached AWS and which did not."""

    def __init__(self, target: str, written: Sequence[str], not_written: Sequence[str], cause: BaseException) -> None:
        self.written = tuple(written)
        self.not_written = tuple(not_written)
        grant = "grant the action named above, then " if isinstance(cause, AccessDeniedError) else ""
        super().__init__(
            f"write to {target} stopped: {reason(cause)}\n"
            f"  written ({len(self.written)}): {', '.join(self.written) or 'none'}\n"
            f"  not written ({len(self.not_written)}): {', '.join(self.not_written) or 'none'}\n"
            f"  {grant}run the same command again to finish: keys already written show as unchanged"
        )


class ConcurrentWriteError(BootstrapError):
    """Another writer changed the target while this write worked on it, and it could not be re-applied.

    ``overlap`` names the keys both writes changed (the reason it was not re-applied), if any.
    """

    def __init__(self, message: str, *, overlap: Sequence[str] = ()) -> None:
        self.overlap = tuple(overlap)
        super().__init__(message)


class WriteOutcomeUnknownError(BootstrapError):
    """A write request was sent and no answer came back: it may have landed. Says how to find out.

    For a write of several keys, ``written`` landed, ``unknown`` may have, ``not_written`` did not.
    """

    def __init__(
        self,
        target: str,
        sent: str,
        cause: BaseException,
        find_out: str,
        *,
        written: Sequence[str] = (),
        unknown: Sequence[str] = (),
        not_written: Sequence[str] = (),
    ) -> None:
        self.written, self.unknown, self.not_written = tuple(written), tuple(unknown), tuple(not_written)
        lines = [f"{target}: {sent} was sent, and its answer never came ({reason(cause)}): it may have landed"]
        if self.written or self.unknown or self.not_written:
            lines += [
                f"  written ({len(self.written)}): {', '.join(self.written) or 'none'}",
                f"  may have landed ({len(self.unknown)}): {', '.join(self.unknown) or 'none'}",
                f"  not written ({len(self.not_written)}): {', '.join(self.not_written) or 'none'}",
            ]
        lines.append(f"  find out: {find_out}")
        super().__init__("\n".join(lines))


def reason(cause: BaseException) -> str:
    """What stopped a write, in words (Ctrl-C has no message of its own)."""
    if isinstance(cause, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    return str(cause) or type(cause).__name__


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
