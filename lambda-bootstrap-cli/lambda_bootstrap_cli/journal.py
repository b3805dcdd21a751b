"""What a command has sent that writes to AWS, so that whatever stops it is reported truthfully.

"Nothing written" is true only when no write request was sent. A request that
was sent and whose answer never came (a timeout, Ctrl-C) may have landed: its
outcome is unknown, and the tool says so (exit 5) rather than guess. A request
AWS answered with a refusal did not land. :func:`outcome_unknown` is that rule,
for any code that catches a write's failure; :class:`WriteJournal` applies it to
every write the command sends (:meth:`lambda_bootstrap_cli.aws.Aws.call`), for
``main`` to report an interrupt or an error no write path caught itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from lambda_bootstrap.errors import BootstrapError, ConfigurationError, SourceError, SourceUnavailableError
from lambda_bootstrap.retry import Cancelled

__all__ = ["WriteJournal", "outcome_unknown"]


def outcome_unknown(exc: BaseException) -> bool:
    """Whether a write that failed with ``exc`` may still have landed: no answer came back.

    A refusal AWS answered (denied, not found, invalid) did not land; a call that never
    started (no credentials, a load already cancelled) did not either. A timeout, a
    connection lost, an interrupt or anything unforeseen: it may have.
    """
    if isinstance(exc, SourceUnavailableError):
        return True
    if isinstance(exc, ConfigurationError | Cancelled | SourceError):
        return False
    return not isinstance(exc, BootstrapError)


@dataclass
class WriteJournal:
    """The writes of one command: those answered, and those whose answer never came."""

    answered: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)

    @contextmanager
    def sending(self, action: str, resource: str) -> Iterator[None]:
        """Around one write call: record how it ended."""
        entry = f"{action} on {resource}"
        try:
            yield
        except BaseException as exc:
            if outcome_unknown(exc):
                self.unanswered.append(entry)
            raise
        self.answered.append(entry)
