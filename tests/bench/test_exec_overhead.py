"""``bin/bench exec`` runs end to end: both ways load every key; only the report's shape is asserted, never a time."""

from __future__ import annotations

import re

import pytest

from bench import exec_overhead

pytestmark = pytest.mark.e2e  # the benchmark starts fresh interpreters


@pytest.mark.slow
def test_the_exec_benchmark_runs_and_reports_the_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert exec_overhead.main(["--runs", "1", "--parameters", "3", "--rtt-ms", "0"]) == 0
    report = capsys.readouterr().out
    assert "(9 keys: 3 SSM parameters and one database secret" in report
    assert re.search(r"^\| load\(\) in the process \| \d+ \| \d+ \| \d+ \|$", report, flags=re.MULTILINE)
    assert re.search(r"^\| exec, then the command \| \d+ \| \d+ \| \d+ \|$", report, flags=re.MULTILINE)
    assert re.search(r"x the load in the process \(target: at most 1\.2x\): (PASS|FAIL)$", report, flags=re.MULTILINE)
