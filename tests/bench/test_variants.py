"""The benchmark's variants really load the whole stage, with the AWS calls the README's table claims.

Each variant runs as the benchmark runs it: ``python -m bench.child`` in a
fresh process, through testsupport/aws_proxy.py (no latency here) in front of moto's
server. Only counts and keys are asserted, never a time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.matrix import VARIANTS, Variant, expected_keys
from bench.runner import run_child
from bench.scenario import Cell, seed
from testsupport.aws_proxy import AwsProxy

pytestmark = pytest.mark.e2e  # each variant runs in a fresh interpreter

N, K = 12, 2  # two pages of parameters; one JSON secret, one plain

EXPECTED_CALLS = {
    "floor": {"AmazonSSM.GetParameters": 1},
    "floor_secrets": {"secretsmanager.GetSecretValue": 1},
    "bootstrap-manifest": {"AmazonSSM.GetParameters": 2, "secretsmanager.GetSecretValue": K},
    "bootstrap-bundle": {"secretsmanager.GetSecretValue": 1 + K},
    "bootstrap-path": {"AmazonSSM.GetParametersByPath": 2, "secretsmanager.GetSecretValue": K},
    "powertools": {"AmazonSSM.GetParametersByPath": 2, "secretsmanager.GetSecretValue": K},
    "naive": {"AmazonSSM.GetParameter": N, "secretsmanager.GetSecretValue": K},
}


def _key(variant: Variant) -> str:
    if variant.child != "bootstrap":
        return variant.child
    return f"bootstrap-{variant.layout}"


@pytest.fixture
def cell(moto_endpoint: str, tmp_path: Path) -> Cell:
    [only] = seed(moto_endpoint, [N], [K], tmp_path)
    return only


@pytest.mark.parametrize("variant", VARIANTS, ids=_key)
def test_variant_loads_everything_with_the_expected_calls(variant: Variant, cell: Cell, moto_endpoint: str) -> None:
    with AwsProxy(moto_endpoint) as proxy:
        result = run_child(["-m", "bench.child", variant.child], variant.environment(cell, proxy.url), proxy)
        assert dict(proxy.stats.requests) == EXPECTED_CALLS[_key(variant)]
    assert result["keys"] == {"floor": 10, "floor_secrets": N}.get(variant.child, expected_keys(cell))
    assert result["calls"] == result["proxy_calls"] == sum(EXPECTED_CALLS[_key(variant)].values())


def test_a_warm_bootstrap_call_makes_no_aws_call(cell: Cell, moto_endpoint: str) -> None:
    manifest = next(v for v in VARIANTS if v.layout == "manifest")
    with AwsProxy(moto_endpoint) as proxy:
        result = run_child(["-m", "bench.child", "bootstrap", "--warm"], manifest.environment(cell, proxy.url), proxy)
    assert result["warm_calls"] == 0
    assert result["proxy_calls"] == result["calls"] == 2 + K  # the cold load only
