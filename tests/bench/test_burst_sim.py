"""The burst simulator's core: AWS's token buckets, one container's calls, the retry policies' rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.burst_sim import (
    BEFORE,
    CALL_TIME,
    RECOMMENDED,
    SDK_STANDARD,
    TIMEOUT,
    AdaptiveLimiter,
    Band,
    Layout,
    Policy,
    bundle,
    by_path,
    largest_burst,
    library_policy,
    manifest,
    naive,
    powertools,
    simulate,
    write_section,
)
from lambda_bootstrap import retry
from testsupport.token_bucket import DEFAULT_QUOTAS, HIGHER_THROUGHPUT, TokenBucket

SSM_BATCH, SECRET = "AmazonSSM.GetParameters", "secretsmanager.GetSecretValue"
DEAD_SSM = DEFAULT_QUOTAS.scaled("SSM never answers", ssm=0.01)  # a burst of 0.01 tokens: never one whole


# --- Token buckets -----------------------------------------------------------------------


def test_a_bucket_starts_full_with_one_second_of_quota_then_throttles() -> None:
    bucket = TokenBucket(40.0)
    assert [bucket.take(0.0) for _ in range(41)] == [True] * 40 + [False]


def test_a_bucket_refills_at_its_rate_and_never_past_its_burst() -> None:
    bucket = TokenBucket(10.0)
    for _ in range(10):
        assert bucket.take(0.0)
    assert not bucket.take(0.05)  # half a token
    assert bucket.take(0.1)  # one whole token by now
    assert not bucket.take(0.1)
    assert sum(bucket.take(100.0) for _ in range(50)) == 10  # idle for long: still only a burst


def test_a_request_timed_before_the_last_one_does_not_refill_backwards() -> None:
    bucket = TokenBucket(10.0, burst=1.0)
    assert bucket.take(1.0)
    assert not bucket.take(0.999)  # another thread's earlier arrival: no negative refill
    assert bucket.take(1.1)


def test_a_throttled_request_takes_no_token() -> None:
    bucket = TokenBucket(1.0, burst=1.0)
    assert bucket.take(0.0)
    assert not any(bucket.take(0.5) for _ in range(100))
    assert bucket.take(1.0)


def test_ssm_shares_one_quota_by_default_and_by_path_has_its_own_with_higher_throughput() -> None:
    ssm = ("AmazonSSM.GetParameter", "AmazonSSM.GetParameters", "AmazonSSM.GetParametersByPath")
    assert {DEFAULT_QUOTAS.bucket_of(op) for op in ssm} == {"ssm"}
    assert DEFAULT_QUOTAS.rates["ssm"] == 40
    assert HIGHER_THROUGHPUT.bucket_of("AmazonSSM.GetParameters") == "ssm"
    assert HIGHER_THROUGHPUT.bucket_of("AmazonSSM.GetParametersByPath") == "ssm:GetParametersByPath"
    assert HIGHER_THROUGHPUT.rates["ssm:GetParametersByPath"] == 100
    assert DEFAULT_QUOTAS.rates["secretsmanager:GetSecretValue"] == 10_000


# --- One container's calls ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "ssm_calls", "secret_calls", "round_trips"),
    [
        (bundle(), 0, 2, 1),  # the bundle and the database secret, concurrently
        (manifest(100), 10, 5, 1),  # 10 GetParameters and 5 secrets, all at once
        (by_path(100), 10, 5, 10),  # 10 pages one after another, the secrets beside them
        (powertools(100), 10, 5, 15),  # pages, then one secret after another
        (naive(10), 10, 5, 15),  # one call per value, one after another
    ],
)
def test_one_cold_start_makes_its_layouts_calls_in_its_round_trips(
    layout: Layout, ssm_calls: int, secret_calls: int, round_trips: int
) -> None:
    run = simulate(layout, RECOMMENDED if layout.library else SDK_STANDARD, 1)
    assert run.ready == 1
    expected = {"ssm": ssm_calls, "secretsmanager:GetSecretValue": secret_calls}
    assert run.attempts == {bucket: calls for bucket, calls in expected.items() if calls}
    assert run.slowest == pytest.approx(round_trips * CALL_TIME)


def test_the_model_bound_is_the_tokens_of_one_deadline_over_calls_on_the_bottleneck() -> None:
    assert manifest(100).bottleneck(DEFAULT_QUOTAS) == ("ssm", 4.0)  # 40 TPS / 10 calls
    assert manifest(100).bound(DEFAULT_QUOTAS) == 35  # (40 + 40 x 7.98 s) / 10
    assert bundle().bottleneck(DEFAULT_QUOTAS) == ("secretsmanager:GetSecretValue", 5_000.0)


# --- The retry policies' rules ----------------------------------------------------------------


def test_before_issue_12_a_throttled_call_gave_up_after_8_attempts() -> None:
    run = simulate(manifest(10, 0), BEFORE, 1, quotas=DEAD_SSM)
    assert run.ready == 0
    assert run.attempts["ssm"] == 8  # full jitter 0.1/2 s: 7 waits of at most 7.1 s, inside the deadline


def test_throttling_is_retried_until_the_deadline_and_no_call_ends_past_it() -> None:
    for seed in range(20):
        run = simulate(manifest(10, 0), RECOMMENDED, 1, quotas=DEAD_SSM, seed=seed, ready_within=60.0)
        assert run.ready == 0
        assert run.attempts["ssm"] > 8
        # waits of at most 0.5 s fitted into 8 s: the last attempt starts in the last half second
        assert run.attempts["ssm"] >= TIMEOUT / (0.5 + CALL_TIME)


def test_a_load_whose_call_failed_for_good_makes_no_further_call() -> None:
    layout = Layout("one dead call beside a long chain", ((SSM_BATCH,), (SECRET,) * 100))
    cancelling = Policy("2 attempts, cancel", max_attempts=2)
    keeps_going = Policy("2 attempts, no cancel", max_attempts=2, cancel_on_failure=False)
    cancelled = simulate(layout, cancelling, 1, quotas=DEAD_SSM)
    finished = simulate(layout, keeps_going, 1, quotas=DEAD_SSM)
    assert cancelled.ready == finished.ready == 0
    assert finished.attempts["secretsmanager:GetSecretValue"] == 100  # before: the chain ran to its end
    # after: the SSM call failed for good at most 0.04 + 0.1 + 0.02 s in, so the chain stopped there
    assert cancelled.attempts["secretsmanager:GetSecretValue"] <= 8
    assert cancelled.wasted == cancelled.attempts["secretsmanager:GetSecretValue"]


def test_with_cancel_no_new_call_starts_after_the_deadline() -> None:
    slow = DEFAULT_QUOTAS.scaled("SSM 1 TPS", ssm=1.0)
    run = simulate(by_path(200, 0), RECOMMENDED, 1, quotas=slow, ready_within=60.0)
    assert run.ready == 0
    assert run.attempts["ssm"] - run.throttled["ssm"] <= 1 + TIMEOUT  # pages got through while time was left


def test_a_seed_gives_the_same_burst_and_another_seed_another() -> None:
    first = simulate(manifest(100), RECOMMENDED, 40, seed=1)
    assert simulate(manifest(100), RECOMMENDED, 40, seed=1) == first
    assert any(simulate(manifest(100), RECOMMENDED, 40, seed=s).attempts != first.attempts for s in range(2, 5))


def test_the_largest_burst_is_within_the_token_bound_and_passes() -> None:
    tiny = DEFAULT_QUOTAS.scaled("SSM 2 TPS", ssm=2.0)
    found, capped = largest_burst(manifest(10, 0), RECOMMENDED, quotas=tiny, seeds=10)
    assert not capped
    assert 0 < found <= manifest(10, 0).bound(tiny) == 17
    assert all(simulate(manifest(10, 0), RECOMMENDED, found, quotas=tiny, seed=s).all_ready for s in range(9))


def test_botocores_adaptive_limiter_drops_a_fresh_client_to_half_a_call_a_second() -> None:
    limiter = AdaptiveLimiter(0.0)
    assert limiter.reserve(0.0) == 0.0  # off until the first throttling
    limiter.answered(0.02, throttled=True)  # a fresh client has measured no rate yet
    assert limiter.fill_rate == 0.5
    assert limiter.reserve(0.02) == pytest.approx(2.02)  # the next send waits two seconds


def test_band_is_the_5th_median_and_95th_percentile_of_the_seeds() -> None:
    band = Band.of([i / 100 for i in range(100, 0, -1)])
    assert (band.low, band.median, band.high) == (0.05, 0.5, 0.95)
    assert band.contains(0.05) and band.contains(0.95) and not band.contains(0.04)


def test_the_library_policy_is_read_from_lambda_bootstrap_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = library_policy()
    assert (policy.base, policy.cap, policy.max_attempts, policy.fit_deadline) == (0.05, 0.5, None, True)
    assert policy.cancel_on_failure
    assert policy.same_rules(RECOMMENDED)  # the library runs what docs/burst.md recommends
    monkeypatch.setattr(retry, "BACKOFF_CAP", 2.0)
    assert library_policy().cap == 2.0  # read from the library, not copied


def test_write_section_replaces_only_its_own_block(tmp_path: Path) -> None:
    doc = tmp_path / "burst.md"
    doc.write_text("# Title\n\nprose\n\n<!-- table -->\nold\n<!-- /table -->\n\nmore prose\n", encoding="utf-8")
    write_section("table", ["new", "rows"], doc)
    write_section("validation", ["checks"], doc)
    write_section("table", ["newer"], doc)
    assert doc.read_text(encoding="utf-8") == (
        "# Title\n\nprose\n\n<!-- table -->\nnewer\n<!-- /table -->\n\nmore prose\n\n"
        "<!-- validation -->\nchecks\n<!-- /validation -->\n"
    )
