"""One clock for IAM database tokens: rds_auth's monotonic clock and botocore's signing time, moved together."""

from __future__ import annotations

import datetime

__all__ = ["SigningClocks"]

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
