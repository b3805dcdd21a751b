"""Concurrent writers against moto's real server: 2 and 5 operators pushing at once, 50 trials each.

Each writer is a thread running the tool's own ``main`` in this process, with its own clock (back-off costs no
time), and each makes real HTTP calls to moto's server, so their reads, puts and swaps interleave as two laptops'
would. Every key of every writer that exited 0 must be in the final bundle, with its value; in every fifth trial
all writers also set one shared key: each either wins it (exit 0) or is refused naming it (exit 4), and nothing of
a refused write is current.
"""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import boto3
import pytest

from lambda_bootstrap_cli import main
from lambda_bootstrap_cli.console import Console
from testsupport.clocks import FakeClock
from testsupport.secrets import current_text

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TRIALS = 50
SHARED = "SHARED_SETTING"
BUNDLE = "race/prod/config"
STAGES = {
    "prod": {
        "project_name": "race",
        "aws_region": "us-east-1",
        "environment_variables": {"BOOTSTRAP_BUNDLE": "config"},
    }
}


class Writer(threading.Thread):
    """One operator: ``push prod --from FILE --yes`` once the others are ready too."""

    def __init__(self, project: Path, name: str, values: dict[str, str], start: threading.Barrier) -> None:
        super().__init__(daemon=True)
        self.file = project / f".env.{name}"
        self.file.write_text("".join(f"{key}={value}\n" for key, value in values.items()), encoding="utf-8")
        self.values, self.start_together = values, start
        self.out, self.err = io.StringIO(), io.StringIO()
        self.code: int | None = None

    def run(self) -> None:
        clock = FakeClock()
        argv = ["push", "prod", "--from", str(self.file), "--settings", str(self.file.parent / "zappa_settings.json")]
        self.start_together.wait()
        self.code = main([*argv, "--yes"], Console(self.out, self.err, io.StringIO()), clock=clock, sleep=clock.sleep)


@pytest.mark.parametrize("writers", [2, 5])
def test_concurrent_writers_lose_no_key_of_a_writer_told_it_wrote(
    writers: int, moto_endpoint: str, tmp_path: Path
) -> None:
    (tmp_path / "zappa_settings.json").write_text(json.dumps(STAGES), encoding="utf-8")
    secrets = boto3.client("secretsmanager", endpoint_url=moto_endpoint)
    secrets.create_secret(Name=BUNDLE, SecretString="{}")
    started = time.monotonic()
    refused = rebased = 0
    for trial in range(TRIALS):
        overlap = trial % 5 == 0
        start = threading.Barrier(writers)
        crew = [
            Writer(
                tmp_path,
                f"{trial}-{number}",
                {
                    f"KEY_{trial}_{number}": f"value-{trial}-{number}",
                    **({SHARED: f"{trial}-{number}"} if overlap else {}),
                },
                start,
            )
            for number in range(writers)
        ]
        for writer in crew:
            writer.start()
        for writer in crew:
            writer.join(timeout=60)
        final = json.loads(current_text(secrets, BUNDLE))
        for writer in crew:
            assert writer.code in {0, 4}, f"trial {trial}: exit {writer.code}\n{writer.err.getvalue()}"
            own = {key: value for key, value in writer.values.items() if key != SHARED}
            if writer.code == 0:
                assert {key: final.get(key) for key in own} == own, f"trial {trial}: lost\n{writer.err.getvalue()}"
                rebased += "re-applying this write" in writer.err.getvalue()
            else:
                refused += 1
                assert overlap, writer.err.getvalue()
                assert f"changed the same key(s) differently: {SHARED}." in writer.err.getvalue()
                assert not set(own) & set(final), f"trial {trial}: a refused write's keys are current"
        if overlap:
            winners = {writer.values[SHARED] for writer in crew if writer.code == 0}
            assert final[SHARED] in winners, f"trial {trial}: {SHARED} holds no winner's value"
    elapsed = time.monotonic() - started
    assert rebased > 0, "no writer ever had to re-apply its write: the writers did not race"
    assert elapsed < 60, elapsed
    print(f"{writers} writers x {TRIALS} trials: {elapsed:.1f} s, {rebased} re-applied, {refused} refused (overlap)")
