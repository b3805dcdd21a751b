"""Where a command writes and how it asks: key names and counts only, never a value."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from dataclasses import dataclass, field
from typing import TextIO

__all__ = ["Console"]


@dataclass
class Console:
    """The three streams a command uses; tests pass their own."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def note(self, text: str) -> None:
        """Progress and diagnostics go to stderr, so stdout stays parseable (policy, manifest)."""
        print(text, file=self.err, flush=True)

    def closed(self) -> None:
        """The reader went away (``check | head``): end quietly, with no traceback at exit either."""
        for stream in (self.out, sys.stdout):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())

    def muted(self) -> Console:
        """The same questions, no output: for a judgement made again whose notes were already shown."""
        return Console(out=io.StringIO(), err=io.StringIO(), stdin=self.stdin)

    def interactive(self) -> bool:
        isatty = getattr(self.stdin, "isatty", None)
        return bool(isatty and isatty())

    def confirm(self, question: str) -> bool:
        """y/N on a terminal; anything but y or yes is no."""
        print(f"{question} [y/N] ", end="", file=self.err, flush=True)
        answer = self.stdin.readline()
        return answer.strip().lower() in {"y", "yes"}
