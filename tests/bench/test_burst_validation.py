"""The burst simulator against a real burst: fresh processes, moto's server, the throttling proxy.

A small case of ``python -m bench.burst_validate``: 10 cold starts released at
once against SSM at 10 TPS, 45 parameters by manifest (5 GetParameters each),
the library's own retry policy. The share that loaded within the deadline must
fall inside the simulation's 5-95 % band.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.burst_validate import PARAMETERS, Case, run_case, variants
from testsupport import burst


@pytest.mark.e2e
@pytest.mark.slow
def test_a_real_burst_falls_inside_the_simulations_band(moto_endpoint: str, tmp_path: Path) -> None:
    pointers = burst.seed_stage(moto_endpoint, PARAMETERS, tmp_path)
    [check] = run_case(moto_endpoint, pointers, Case("manifest", 10), variant=variants()[0], rounds=1)
    assert check.throttled > 0  # the quota was really the limit
    assert set(check.errors) <= {"SourceUnavailableError"}, check.errors
    assert check.inside, f"{check.ready}/10 ready; the simulation says {check.band}"
