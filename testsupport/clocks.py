"""The tests' clocks: one that only moves when code sleeps (back-off costs no time), one for IAM tokens."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

__all__ = ["FakeClock", "SigningClocks"]

START = datetime.datetime(2026, 11, 25, 12, 0, 0)
_ORIGIN = 1000.0  # the monotonic reading at START


class SigningClocks:
    def __init__(self) -> None:
        self.seconds = _ORIGIN

    def monotonic(self) -> float:
        return self.seconds

    def signing_time(self) -> datetime.datetime:
        return START + datetime.timedelta(seconds=self.seconds - _ORIGIN)

    def advance(self, seconds: float) -> None:
        self.seconds += seconds

    def at(self, seconds: float) -> None:
        """``seconds`` after the start."""
        self.seconds = _ORIGIN + seconds


@dataclass
class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps: back-off costs no time."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
