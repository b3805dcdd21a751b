"""``check``'s burst row: the closed-form ceiling of a stage's sources against its reserved concurrency and target."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from lambda_bootstrap.settings import read_settings
from lambda_bootstrap_cli.burst import Quotas, layout_table, stage_burst
from testsupport.account import APP, FakeAccount

from .tooling import run, use_stages

STAGE: dict[str, Any] = {
    "project_name": APP,
    "aws_region": "us-east-1",
    "manage_roles": False,
    "environment_variables": {"BOOTSTRAP_APP": APP, "BOOTSTRAP_STAGE": "prod", "BOOTSTRAP_SECRETS": "database"},
}


def stage(variables: dict[str, str], **config: Any) -> dict[str, Any]:
    result = copy.deepcopy(STAGE)
    result["environment_variables"].update(variables)
    result.update(config)
    return result


def settings(**variables: str):
    return read_settings({"PROJECT": "app", "STAGE": "prod", **variables})


def burst_line(output: str) -> str:
    return next(line for line in output.splitlines() if line.split()[1:2] == ["burst"])


@pytest.mark.parametrize(
    ("variables", "names", "calls", "ceiling", "bottleneck"),
    [
        ({"BOOTSTRAP_BUNDLE": "config", "BOOTSTRAP_SECRETS": "database"}, None, 2, 5000, "GetSecretValue"),
        ({"BOOTSTRAP_BUNDLE": "config"}, None, 1, 10_000, "GetSecretValue"),
        ({"BOOTSTRAP_SSM_PATH": "/a/", "BOOTSTRAP_SECRETS": "database"}, 95, 10, 4, "GetParametersByPath"),
        ({"BOOTSTRAP_SSM_PATH": "/a/", "BOOTSTRAP_SSM_MANIFEST": "m.json"}, 25, 3, 13, "GetParameters"),
        ({"BOOTSTRAP_SSM_PATH": "/a/"}, 0, 1, 40, "GetParametersByPath"),
    ],
)
def test_calls_per_cold_start_and_the_ceiling_at_default_quotas(variables, names, calls, ceiling, bottleneck) -> None:
    burst = stage_burst(settings(**variables), Quotas(), names)
    assert burst.ceiling == ceiling
    assert burst.bottleneck.calls == calls
    assert burst.bottleneck.api.endswith(bottleneck)


def test_quotas_from_flags() -> None:
    by_path = settings(BOOTSTRAP_SSM_PATH="/a/", BOOTSTRAP_SECRETS="database")
    manifest = settings(BOOTSTRAP_SSM_PATH="/a/", BOOTSTRAP_SSM_MANIFEST="m.json")
    higher = Quotas.chosen(ssm_higher_throughput=True)
    assert stage_burst(by_path, higher, 100).ceiling == 10  # GetParametersByPath stays at 100 TPS
    assert stage_burst(manifest, higher, 100).ceiling == 300
    assert stage_burst(by_path, Quotas.chosen(ssm_tps=400), 100).ceiling == 40
    bundle = settings(BOOTSTRAP_BUNDLE="config", BOOTSTRAP_SECRETS="database")
    assert stage_burst(bundle, Quotas.chosen(secrets_tps=50), None).ceiling == 25


def test_the_layout_table_behind_the_docs() -> None:
    assert layout_table() == [
        "| layout | N = 10 | N = 100 |",
        "| --- | ---: | ---: |",
        "| bundle + database secret | 5,000 (GetSecretValue) | 5,000 (GetSecretValue) |",
        "| SSM by manifest + database secret | 40 (GetParameters) | 4 (GetParameters) |",
        "| SSM by path + database secret | 40 (GetParametersByPath) | 4 (GetParametersByPath) |",
    ]


def test_a_bundle_stage_reaches_its_reserved_concurrency(project: Path, account: FakeAccount) -> None:
    use_stages(project, {"prod": stage({"BOOTSTRAP_BUNDLE": "config"}, lambda_concurrency=1000)})
    result = run("check", "prod")
    line = burst_line(result.out)
    assert line.split()[0] == "PASS", result.out
    assert (
        "ceiling 5,000 cold starts at once (bottleneck secretsmanager:GetSecretValue), "
        "reaches reserved concurrency (lambda_concurrency) 1,000" in line
    )
    assert (
        "secretsmanager:GetSecretValue: 2 call(s) per cold start (bundle 1, shop/prod/database 1) "
        "at 10,000 TPS -> 5,000 cold starts" in result.out
    )
    assert "model (closed form, not a measurement)" in result.out
    assert "burst" not in result.out.splitlines()[-1]  # the result line: other rows may fail here, not this one


def test_an_ssm_stage_below_its_reserved_concurrency_fails(project: Path, account: FakeAccount, aws_calls) -> None:
    account.parameters({f"KEY_{n:02}": f"burst-value-{n:02}" for n in range(95)})
    use_stages(project, {"prod": stage({"BOOTSTRAP_SSM_PATH": "/{app}/{stage}/"}, lambda_concurrency=10)})
    result = run("check", "prod")
    line = burst_line(result.out)
    assert line.split()[0] == "FAIL", result.out
    assert "ceiling 4 cold starts at once (bottleneck ssm:GetParametersByPath), below reserved concurrency" in line
    assert "ssm:GetParametersByPath: 10 call(s) per cold start (by path: ceil(95/10) sequential pages)" in result.out
    assert "lambda-bootstrap migrate prod" in result.out
    assert "burst" in result.out.splitlines()[-1]
    account.assert_nothing_leaked(result.text)

    raised = run("check", "prod", "--ssm-tps", "400")
    assert burst_line(raised.out).split()[0] == "PASS"
    assert "ceiling 40 " in burst_line(raised.out)


def test_the_stages_declared_target_and_the_flag(project: Path, account: FakeAccount) -> None:
    account.parameters({f"KEY_{n:02}": f"burst-value-{n:02}" for n in range(11)})  # 2 pages: 40 / 2 = 20
    ssm = {"BOOTSTRAP_SSM_PATH": "/{app}/{stage}/"}
    use_stages(
        project,
        {
            "exact": stage({**ssm, "BOOTSTRAP_BURST_TARGET": "20"}),
            "short": stage({**ssm, "BOOTSTRAP_BURST_TARGET": "21"}),
            "none": stage(ssm),
            "typo": stage({**ssm, "BOOTSTRAP_BURST_TARGET": "many"}),
        },
    )
    exact = burst_line(run("check", "exact").out)
    assert exact.split()[0] == "PASS" and "reaches target (BOOTSTRAP_BURST_TARGET) 20" in exact
    short = burst_line(run("check", "short").out)
    assert short.split()[0] == "FAIL" and "below target (BOOTSTRAP_BURST_TARGET) 21" in short
    overridden = burst_line(run("check", "short", "--burst-target", "5").out)
    assert overridden.split()[0] == "PASS" and "reaches target (--burst-target) 5" in overridden
    none = burst_line(run("check", "none").out)
    assert none.split()[0] == "PASS" and "no target declared (lambda_concurrency or BOOTSTRAP_BURST_TARGET)" in none
    typo = run("check", "typo")
    assert burst_line(typo.out).split()[0] == "FAIL"
    assert "BOOTSTRAP_BURST_TARGET must be a positive whole number, got 'many'" in typo.out


def test_an_unreadable_manifest_fails_the_row_rather_than_guess(project: Path, account: FakeAccount) -> None:
    variables = {"BOOTSTRAP_SSM_PATH": "/{app}/{stage}/", "BOOTSTRAP_SSM_MANIFEST": "missing.json"}
    use_stages(project, {"prod": stage(variables)})
    line = burst_line(run("check", "prod").out)
    assert line.split()[0] == "FAIL" and "cannot count the SSM calls of a cold start" in line


def test_bad_quota_flags_are_refused(project: Path) -> None:
    with pytest.raises(SystemExit):
        run("check", "prod", "--ssm-tps", "0")
    with pytest.raises(SystemExit):
        run("check", "prod", "--burst-target", "1.5")
