"""bin/demo runs green: the whole life cycle of a stage against moto's server, as a newcomer runs it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.deploy.packaging import ROOT
from testsupport.leaks import assert_nothing_leaked

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_bin_demo_runs_every_step_and_prints_no_value(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    completed = subprocess.run(
        [str(ROOT / "bin" / "demo"), "--workspace", str(tmp_path)],
        cwd=ROOT,
        env={**env, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-5000:]
    assert "demo: all 13 steps passed" in output
    for step in ("push demo", "check demo", "zappa package", "zappa deploy", "a cold start", "zappa status"):
        assert step in output
    assert "BOOTSTRAP_CONFIG_VERSION (unset) -> " in output
    assert "Strict-Transport-Security: max-age=60" in output
    assert "nothing of the stage is left" in output
    assert "role         coldstart-demo-ZappaLambdaExecutionRole's inline policy grants exactly" in output
    pushed = [
        line.split("=", 1)[1]
        for name in (".env.demo", ".env.demo.database")
        for line in (tmp_path / "project" / name).read_text().splitlines()
        if line.split("=", 1)[0] in {"SECRET_KEY", "password"}
    ]
    assert len(pushed) == 2
    assert_nothing_leaked(pushed, output)
