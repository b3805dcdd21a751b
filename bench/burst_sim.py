"""A burst of cold starts against AWS's API quotas: a seeded discrete-event simulation.

C containers arrive within a window (all at once, or uniformly over 1 or 10 s)
and each runs one layout's exact call pattern (:class:`Layout`: which calls
run concurrently, which one after another) under one retry policy
(:class:`Policy`), against per-API token buckets (``testsupport/token_bucket.py``:
burst = one second of quota). Every call takes ``call_time`` (20 ms) whether
it gets through or is throttled; a throttled call takes no token. A
container is *ready* when every call of its load got through within the
deadline (``BOOTSTRAP_TIMEOUT``, 8 s) of its arrival. Nothing else is
modelled: no 5xx, no CPU, no client creation, and a container whose init
failed does not start again (on Lambda it would, and add load).

The policy reads the library's own constants (``lambda_bootstrap.retry``'s
back-off base and cap, ``settings``' deadline and attempt limit), so the
"before" rows follow the library when its defaults change.

    .venv/bin/python -m bench.burst_sim              # every table, written into docs/burst.md
    .venv/bin/python -m bench.burst_sim --print      # the same, printed only
    .venv/bin/python -m bench.burst_sim --layout manifest --n 100 --containers 30 --seeds 20
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar

from lambda_bootstrap.retry import BACKOFF_BASE, BACKOFF_CAP
from lambda_bootstrap.settings import read_settings
from testsupport.token_bucket import DEFAULT_QUOTAS, HIGHER_THROUGHPUT, Quotas

from .sections import DOCS, provenance, write_section

__all__ = [
    "BEFORE",
    "CALL_TIME",
    "CANDIDATES",
    "RECOMMENDED",
    "SDK_STANDARD",
    "Band",
    "Layout",
    "Policy",
    "Run",
    "after_policy",
    "largest_burst",
    "library_policy",
    "share_band",
    "simulate",
    "write_section",
]

_LIBRARY = read_settings({})
TIMEOUT = _LIBRARY.timeout  # BOOTSTRAP_TIMEOUT's default: the deadline every container is judged by
CALL_TIME = 0.02  # seconds per AWS call, answered or throttled
SECRETS = 5  # K: the stage has five Secrets Manager secrets besides its SSM parameters
GET_PARAMETERS_BATCH = 10  # names per GetParameters call; results per GetParametersByPath page
DOC = DOCS / "burst.md"
INF = math.inf
R = TypeVar("R")

SSM_GET, SSM_BATCH, SSM_PATH = "AmazonSSM.GetParameter", "AmazonSSM.GetParameters", "AmazonSSM.GetParametersByPath"
SECRET = "secretsmanager.GetSecretValue"  # noqa: S105 - an operation, not a secret


# --- What a container does ------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """A cold start's calls: ``tasks`` run concurrently, each a sequence of operations in order."""

    name: str
    tasks: tuple[tuple[str, ...], ...]
    library: bool = True  # False: a comparison that retries as botocore does, not as the bootstrap

    def calls(self) -> Counter[str]:
        return Counter(op for task in self.tasks for op in task)

    def calls_on(self, quotas: Quotas) -> Counter[str]:
        """Calls per cold start on each of ``quotas``' buckets."""
        counted: Counter[str] = Counter()
        for op, count in self.calls().items():
            bucket = quotas.bucket_of(op)
            if bucket is not None:
                counted[bucket] += count
        return counted

    def bottleneck(self, quotas: Quotas) -> tuple[str, float]:
        """The bucket that runs out first, and the cold starts a second it sustains (rate ÷ calls)."""
        return min(((b, quotas.rates[b] / n) for b, n in self.calls_on(quotas).items()), key=lambda p: p[1])

    def bound(self, quotas: Quotas, deadline: float = TIMEOUT, call_time: float = CALL_TIME) -> int:
        """Most simultaneous cold starts the tokens of one deadline can serve: (burst + rate·t) ÷ calls."""
        return min(int((quotas.rates[b] * (1.0 + deadline - call_time)) // n) for b, n in self.calls_on(quotas).items())


def pages(n: int) -> int:
    return max(1, math.ceil(n / GET_PARAMETERS_BATCH))


def bundle() -> Layout:
    """The bundle and the database secret: two GetSecretValue, concurrently, whatever N is."""
    return Layout("bundle (1 secret + database secret)", ((SECRET,), (SECRET,)))


def manifest(n: int, k: int = SECRETS) -> Layout:
    return Layout("bootstrap, SSM manifest", ((SSM_BATCH,),) * pages(n) + ((SECRET,),) * k)


def by_path(n: int, k: int = SECRETS) -> Layout:
    return Layout("bootstrap, SSM by path", ((SSM_PATH,) * pages(n),) + ((SECRET,),) * k)


def powertools(n: int, k: int = SECRETS) -> Layout:
    """Powertools 3.x ``get_parameters(path)``: a paginator over GetParametersByPath, then ``get_secret`` each."""
    return Layout("Powertools get_parameters (by path)", ((SSM_PATH,) * pages(n) + (SECRET,) * k,), library=False)


def powertools_by_name(n: int, k: int = SECRETS) -> Layout:
    """Powertools 3.x ``get_parameters_by_name`` (all decrypted): GetParameters chunks of 10, one after another."""
    return Layout("Powertools get_parameters_by_name", ((SSM_BATCH,) * pages(n) + (SECRET,) * k,), library=False)


def naive(n: int, k: int = SECRETS) -> Layout:
    """One GetParameter per value, one after another (bench/child.py's naive variant)."""
    return Layout("one GetParameter per value", ((SSM_GET,) * n + (SECRET,) * k,), library=False)


LAYOUTS: dict[str, Callable[[int], Layout]] = {
    "bundle": lambda n: bundle(),
    "manifest": manifest,
    "path": by_path,
    "powertools": powertools,
    "powertools-names": powertools_by_name,
    "naive": naive,
}


# --- How it retries --------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """One retry policy; every field is a choice the library makes (or botocore, for comparisons).

    ``backoff``: "full" waits uniform(0, min(cap, base·2^(n-1))) after the n-th failed attempt;
    "decorrelated" waits min(cap, uniform(base, 3·previous wait)).
    ``max_attempts``: None retries throttling until the deadline.
    ``deadline``: None for an SDK with no deadline of its own (botocore).
    ``cancel_on_failure``: once a call has failed for good or the deadline has passed,
    the load makes no further call (no retry, no next page, no next batch).
    ``fit_deadline``: a wait that would end past the deadline is drawn again within the
    time left (less one call's duration) instead of giving up; still no call ends past it.
    ``adaptive``: botocore's adaptive mode, a client-side rate limiter per client
    (CUBIC on throttling, botocore.retries.adaptive/throttling/bucket) before each send.
    """

    name: str
    backoff: Literal["full", "decorrelated"] = "full"
    base: float = BACKOFF_BASE
    cap: float = BACKOFF_CAP
    max_attempts: int | None = None
    deadline: float | None = TIMEOUT
    cancel_on_failure: bool = True
    fit_deadline: bool = False
    adaptive: bool = False

    def same_rules(self, other: Policy) -> bool:
        """Equal but for the name (the library's policy read from its constants, and a candidate)."""
        return replace(self, name="") == replace(other, name="")


# The earlier policy: full jitter 0.1/2 s, 8 attempts, and a load kept calling after one of its calls had
# failed. Pinned here (not read from the library): it is the baseline the figures are compared with.
BEFORE = Policy(
    "full jitter 0.1/2 s, 8 attempts, no cancel (the earlier policy)",
    base=0.1,
    cap=2.0,
    max_attempts=8,
    cancel_on_failure=False,
)
# botocore's standard mode (its default, and so Powertools' and a plain boto3 client's): 3 attempts,
# rand·min(20, 1·2^(n-1)) s after a throttled n-th attempt (botocore.retries.standard.ExponentialBackoff).
SDK_STANDARD = Policy("botocore standard mode", base=1.0, cap=20.0, max_attempts=3, deadline=None)
# What the figures choose (docs/burst.md, "Which back-off").
RECOMMENDED = Policy(
    "full jitter 0.05/0.5 s, until the deadline, fit the deadline", base=0.05, cap=0.5, fit_deadline=True
)


def library_policy() -> Policy:
    """The policy ``lambda_bootstrap.retry`` implements: its back-off constants, read from it.

    Its rules are fixed there (``LoadRun.backoff``, ``call_aws``): throttling is retried
    until the deadline, a wait is fitted to what is left of it, and a failed load cancels
    its other calls.
    """
    from lambda_bootstrap import retry

    base, cap = retry.BACKOFF_BASE, retry.BACKOFF_CAP
    return Policy(
        f"library: full jitter {base:g}/{cap:g} s, until the deadline, fit the deadline",
        base=base,
        cap=cap,
        fit_deadline=True,
    )


def after_policy() -> Policy:
    """The "after" of the tables: the library's policy."""
    return library_policy()


CANDIDATES = (
    BEFORE,
    Policy("full jitter 0.1/2 s, until the deadline"),
    Policy("full jitter 0.1/2 s, until the deadline, fit the deadline", fit_deadline=True),
    Policy("full jitter 0.1/1 s, until the deadline, fit the deadline", cap=1.0, fit_deadline=True),
    Policy("full jitter 0.05/0.5 s, until the deadline", base=0.05, cap=0.5),
    RECOMMENDED,
    Policy("decorrelated jitter 0.1/2 s, until the deadline", backoff="decorrelated"),
    Policy(
        "decorrelated jitter 0.1/1 s, until the deadline, fit the deadline",
        backoff="decorrelated",
        cap=1.0,
        fit_deadline=True,
    ),
    Policy(
        "decorrelated jitter 0.05/0.5 s, until the deadline, fit the deadline",
        backoff="decorrelated",
        base=0.05,
        cap=0.5,
        fit_deadline=True,
    ),
    Policy("adaptive limiter (botocore) + full jitter 0.1/2 s, until the deadline", adaptive=True),
    Policy(
        "adaptive limiter (botocore) + full jitter 0.05/0.5 s, fit the deadline",
        base=0.05,
        cap=0.5,
        fit_deadline=True,
        adaptive=True,
    ),
)


# --- The simulation ---------------------------------------------------------------------


@dataclass
class Run:
    """One seeded burst."""

    containers: int
    ready: int
    complete: bool = True  # False when stopped at the first failed container
    attempts: Counter[str] = field(default_factory=Counter)  # per bucket
    throttled: Counter[str] = field(default_factory=Counter)
    wasted: int = 0  # calls that got through for loads that failed anyway
    slowest: float = 0.0  # seconds from arrival to ready, the slowest ready container

    @property
    def share(self) -> float:
        return self.ready / self.containers if self.containers else 1.0

    @property
    def all_ready(self) -> bool:
        return self.complete and self.ready == self.containers


class _SimClock:
    """botocore's adaptive classes read the time from a clock object: here, the simulation's."""

    def __init__(self, now: float) -> None:
        self.now = now

    def current_time(self) -> float:
        return self.now


class AdaptiveLimiter:
    """botocore's ClientRateLimiter for one client, on simulated time.

    CUBIC and the rate clocker are botocore's own classes; its token bucket
    blocks a thread, so here a send *reserves* a token and learns when it may go.
    """

    def __init__(self, now: float) -> None:
        from botocore.retries.adaptive import RateClocker
        from botocore.retries.throttling import CubicCalculator

        self._clock = _SimClock(now)
        self._cubic = CubicCalculator(starting_max_rate=0, start_time=now)
        self._clocker = RateClocker(self._clock)
        self.enabled = False
        self.fill_rate = 1.0
        self._max_capacity = 1.0
        self._capacity = 0.0
        self._last: float | None = None

    def _refill(self, now: float) -> None:
        if self._last is not None:
            self._capacity = min(self._max_capacity, self._capacity + (now - self._last) * self.fill_rate)
        self._last = now

    def reserve(self, now: float) -> float:
        """When a send wanted at ``now`` may go (``now`` until the first throttling)."""
        if not self.enabled:
            return now
        self._refill(now)
        self._capacity -= 1.0
        return now if self._capacity >= 0.0 else now - self._capacity / self.fill_rate

    def answered(self, now: float, throttled: bool) -> None:
        self._clock.now = now
        measured = self._clocker.record()
        if throttled:
            rate = measured if not self.enabled else min(measured, self.fill_rate)
            new_rate = self._cubic.error_received(rate, now)
            self.enabled = True
        else:
            new_rate = self._cubic.success_received(now)
        value = min(new_rate, 2.0 * measured)
        self._refill(now)
        self.fill_rate = max(value, 0.5)
        self._max_capacity = value if value >= 1.0 else 1.0
        self._capacity = min(self._capacity, self._max_capacity)


def simulate(
    layout: Layout,
    policy: Policy,
    containers: int,
    *,
    quotas: Quotas = DEFAULT_QUOTAS,
    window: float = 0.0,
    seed: int = 0,
    call_time: float = CALL_TIME,
    ready_within: float = TIMEOUT,
    stop_at_first_failure: bool = False,
) -> Run:
    """Run one burst; events are processed in time order, one per attempt."""
    rng = random.Random(seed)
    uniform, heappush, heappop = rng.uniform, heapq.heappush, heapq.heappop
    names = list(quotas.rates)
    rates = [quotas.rates[b] for b in names]
    tokens = rates[:]  # full at the start: burst = one second of quota
    last = [0.0] * len(names)
    routes = [[names.index(quotas.routes[op]) for op in task] for task in layout.tasks]
    services = [[op.split(".")[0] for op in task] for task in layout.tasks]
    lengths = [len(task) for task in layout.tasks]
    arrivals = sorted(uniform(0.0, window) for _ in range(containers)) if window > 0 else [0.0] * containers
    deadlines = [a + (policy.deadline if policy.deadline is not None else INF) for a in arrivals]
    horizon = (arrivals[-1] if arrivals else 0.0) + ready_within  # nothing later decides readiness
    failed_at = [INF] * containers
    pending = [len(layout.tasks)] * containers
    done_at = [INF] * containers
    got = [0] * containers
    attempts = [0] * len(names)
    throttled = [0] * len(names)
    limiters: dict[tuple[int, str], AdaptiveLimiter] = {}
    base, cap, max_attempts = policy.base, policy.cap, policy.max_attempts or 0
    cancel, fit, adaptive = policy.cancel_on_failure, policy.fit_deadline, policy.adaptive
    decorrelated = policy.backoff == "decorrelated"
    seq = 0
    # An event: (time, seq, container, task, position in the task, failed attempts of this call,
    # previous wait, already passed the client-side limiter).
    heap: list[tuple[float, int, int, int, int, int, float, bool]] = []
    for c, arrival in enumerate(arrivals):
        for t in range(len(layout.tasks)):
            heap.append((arrival, seq, c, t, 0, 0, base, False))
            seq += 1
    heapq.heapify(heap)
    stopped = False
    # Calls still needed on each bucket, and the last moment a call can end in time: when even
    # every token still to come cannot serve what is needed, some container must fail.
    need = [0] * len(names)
    for task in routes:
        for b in task:
            need[b] += containers
    last_end = horizon - call_time
    events = 0

    while heap:
        now, _, c, t, pos, failures, previous, passed = heappop(heap)
        if now > horizon:
            break
        events += 1
        if stop_at_first_failure and not events & 4095 and _short(need, tokens, last, rates, now, last_end):
            stopped = True
            break
        if cancel:
            if failed_at[c] <= now:
                continue  # a sibling failed for good: this load makes no further call
            if now >= deadlines[c]:
                failed_at[c] = now
                if stop_at_first_failure:
                    stopped = True
                    break
                continue
        if adaptive and not passed:
            limiter = limiters.get((c, services[t][pos]))
            if limiter is None:
                limiter = limiters[(c, services[t][pos])] = AdaptiveLimiter(arrivals[c])
            send_at = limiter.reserve(now)
            if send_at > now:
                if send_at >= deadlines[c]:  # the limiter's wait would end past the deadline
                    failed_at[c] = min(failed_at[c], now)
                    if stop_at_first_failure:
                        stopped = True
                        break
                    continue
                heappush(heap, (send_at, seq, c, t, pos, failures, previous, True))
                seq += 1
                continue
        b = routes[t][pos]
        level = tokens[b] + (now - last[b]) * rates[b]
        if level > rates[b]:
            level = rates[b]
        last[b] = now
        attempts[b] += 1
        answered = now + call_time
        if level >= 1.0:
            tokens[b] = level - 1.0
            got[c] += 1
            need[b] -= 1
            if adaptive:
                limiters[(c, services[t][pos])].answered(answered, throttled=False)
            if pos + 1 < lengths[t]:
                heappush(heap, (answered, seq, c, t, pos + 1, 0, base, False))
                seq += 1
            else:
                pending[c] -= 1
                if pending[c] == 0:
                    done_at[c] = answered
            continue
        tokens[b] = level
        throttled[b] += 1
        failures += 1
        if adaptive:
            limiters[(c, services[t][pos])].answered(answered, throttled=True)
        if failures == max_attempts:
            wait = -1.0
        elif decorrelated:
            high = previous * 3.0
            wait = uniform(base, high if high > base else base)
            if wait > cap:
                wait = cap
        else:
            ceiling = base * 2.0 ** (failures - 1)
            wait = uniform(0.0, ceiling if ceiling < cap else cap)
        if wait >= 0.0:
            left = deadlines[c] - answered
            if wait >= left:
                wait = uniform(0.0, left - call_time) if fit and left > call_time else -1.0
        if wait < 0.0:
            if answered < failed_at[c]:
                failed_at[c] = answered
            if stop_at_first_failure:
                stopped = True
                break
            continue
        heappush(heap, (answered + wait, seq, c, t, pos, failures, wait, False))
        seq += 1

    times = [
        done_at[c] - arrivals[c]
        for c in range(containers)
        if failed_at[c] == INF and pending[c] == 0 and done_at[c] - arrivals[c] <= ready_within
    ]
    ready = len(times)
    return Run(
        containers=containers,
        ready=ready,
        complete=not stopped,
        attempts=Counter({names[i]: n for i, n in enumerate(attempts) if n}),
        throttled=Counter({names[i]: n for i, n in enumerate(throttled) if n}),
        wasted=sum(got[c] for c in range(containers) if not (failed_at[c] == INF and pending[c] == 0)),
        slowest=max(times, default=0.0),
    )


def _short(need: list[int], tokens: list[float], last: list[float], rates: list[float], now: float, end: float) -> bool:
    """True when some bucket cannot serve the calls still needed, whatever happens next."""
    return any(
        need[b] > min(rates[b], tokens[b] + (now - last[b]) * rates[b]) + rates[b] * max(0.0, end - now)
        for b in range(len(need))
    )


# --- Over seeds --------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """Shares of containers ready over seeds: 5th percentile, median, 95th percentile."""

    low: float
    median: float
    high: float
    seeds: int

    @classmethod
    def of(cls, shares: Sequence[float]) -> Band:
        ordered = sorted(shares)

        def rank(p: float) -> float:  # nearest rank
            return ordered[min(len(ordered) - 1, max(0, math.ceil(p * len(ordered)) - 1))]

        return cls(rank(0.05), rank(0.5), rank(0.95), len(ordered))

    def contains(self, share: float) -> bool:
        return self.low - 1e-9 <= share <= self.high + 1e-9

    def __str__(self) -> str:
        return f"{self.median:.0%} ({self.low:.0%}-{self.high:.0%})"


def share_band(
    layout: Layout,
    policy: Policy,
    containers: int,
    *,
    seeds: int = 20,
    quotas: Quotas = DEFAULT_QUOTAS,
    window: float = 0.0,
    call_time: float = CALL_TIME,
) -> Band:
    shares = [
        simulate(layout, policy, containers, quotas=quotas, window=window, seed=s, call_time=call_time).share
        for s in range(seeds)
    ]
    return Band.of(shares)


LARGE = 2_000  # past this many containers a burst's share varies little between seeds
LARGE_SEEDS = 5


def _passes(layout: Layout, policy: Policy, containers: int, seeds: int, quotas: Quotas, window: float) -> bool:
    """All ready in at least 95 % of ``seeds`` bursts (stops as soon as that is lost).

    Past ``LARGE`` containers, ``LARGE_SEEDS`` seeds (all must pass): one such burst takes seconds.
    """
    if containers > LARGE:
        seeds = min(seeds, LARGE_SEEDS)
    allowed = seeds - math.ceil(0.95 * seeds)
    failures = 0
    for seed in range(seeds):
        run = simulate(layout, policy, containers, quotas=quotas, window=window, seed=seed, stop_at_first_failure=True)
        if not run.all_ready:
            failures += 1
            if failures > allowed:
                return False
    return True


def largest_burst(
    layout: Layout,
    policy: Policy,
    *,
    quotas: Quotas = DEFAULT_QUOTAS,
    window: float = 0.0,
    seeds: int = 20,
    upper: int = 20_000,
    precision: float = 0.02,
) -> tuple[int, bool]:
    """The largest C with every container ready in ≥ 95 % of seeded bursts, and whether it hit ``upper``.

    No burst past the token bound can be served, so the search steps down from it
    (a good policy comes close to it) to the first size that passes, then bisects to
    within ``precision`` of the answer.
    """
    top = min(upper, layout.bound(quotas))
    high = top + 1
    low = 0
    for fraction in (1.0, 0.9, 0.75, 0.5, 0.25, 0.1):
        size = int(top * fraction)
        if size <= 0:
            break
        if _passes(layout, policy, size, seeds, quotas, window):
            low = size
            break
        high = size
    if low == top:
        return top, top == upper
    while high - low > max(1, int(low * (precision if low <= LARGE else 2.5 * precision))):
        middle = (low + high) // 2
        if _passes(layout, policy, middle, seeds, quotas, window):
            low = middle
        else:
            high = middle
    return low, False


# --- The tables of docs/burst.md ---------------------------------------------------------


def _policy_for(layout: Layout, policy: Policy) -> Policy:
    return policy if layout.library else SDK_STANDARD


@dataclass(frozen=True)
class Cell:
    """One figure to compute: a layout at N under a policy and quotas (and, for a band, C and a window)."""

    layout: str
    n: int
    policy: Policy
    quotas: Quotas
    seeds: int
    containers: int = 0
    window: float = 0.0

    def build(self) -> tuple[Layout, Policy]:
        layout = LAYOUTS[self.layout](self.n)
        return layout, _policy_for(layout, self.policy)

    def key(self) -> tuple[object, ...]:
        """Cells that must give the same figure (the bundle at any N, under any SSM quota) share a key."""
        layout, policy = self.build()
        rates = tuple(sorted((b, self.quotas.rates[b]) for b in layout.calls_on(self.quotas)))
        return (layout, policy, rates, self.seeds, self.containers, self.window)


SSM_UPPER = 10_000  # how far the tables search a layout that calls SSM: such bursts take seconds each
UPPER = 20_000


def _upper(layout: Layout) -> int:
    return SSM_UPPER if any(op.startswith("AmazonSSM.") for op in layout.calls()) else UPPER


def _largest(cell: Cell) -> tuple[int, bool]:
    layout, policy = cell.build()
    started = time.perf_counter()
    found = largest_burst(
        layout, policy, quotas=cell.quotas, seeds=cell.seeds, window=cell.window, upper=_upper(layout)
    )
    if os.environ.get("BURST_SIM_TIMES"):
        print(
            f"{time.perf_counter() - started:6.1f} s  {layout.name} N={cell.n} {cell.quotas.name} {policy.name}",
            file=sys.stderr,
        )
    return found


def _band(cell: Cell) -> tuple[Band, float]:
    """The share's band, and the mean AWS calls (attempts) per cold start."""
    layout, policy = cell.build()
    runs = [
        simulate(layout, policy, cell.containers, quotas=cell.quotas, window=cell.window, seed=s)
        for s in range(cell.seeds)
    ]
    calls = sum(sum(r.attempts.values()) for r in runs) / (cell.containers * len(runs))
    return Band.of([r.share for r in runs]), calls


def _compute(pool: ProcessPoolExecutor, function: Callable[[Cell], R], cells: Iterable[Cell]) -> dict[Cell, R]:
    """Each distinct figure once, the slowest first (so the two workers finish together)."""
    cells = list(cells)
    unique: dict[tuple[object, ...], Cell] = {}
    for cell in cells:
        unique.setdefault(cell.key(), cell)
    ordered = sorted(unique.values(), key=_cost, reverse=True)
    results = dict(zip((c.key() for c in ordered), pool.map(function, ordered), strict=True))
    return {cell: results[cell.key()] for cell in cells}


def _cost(cell: Cell) -> float:
    layout, _ = cell.build()
    return cell.containers or min(_upper(layout), layout.bound(cell.quotas)) * len(layout.tasks)


def _fmt_burst(value: tuple[int, bool]) -> str:
    count, capped = value
    return f"≥ {count:,}" if capped else f"{count:,}"


BURST_ROWS = ("bundle", "manifest", "path", "powertools", "powertools-names", "naive")
SIZES = (10, 100)


def burst_cells(seeds: int, after: Policy) -> list[Cell]:
    return [
        Cell(name, n, policy, quotas, seeds)
        for quotas in (DEFAULT_QUOTAS, HIGHER_THROUGHPUT)
        for name in BURST_ROWS
        for n in SIZES
        for policy in (BEFORE, after)
    ]


def burst_table(results: dict[Cell, tuple[int, bool]], seeds: int, after: Policy) -> list[str]:
    lines = [
        "",
        f"Before: {BEFORE.name}. After: {after.name}. Powertools and one-call-per-value retry as "
        f"botocore's standard mode does (3 attempts, no deadline), before and after. Largest burst: every "
        f"container ready within {TIMEOUT:g} s in ≥ 95 % of {seeds} seeded bursts ({LARGE_SEEDS} past {LARGE:,} "
        f"containers); searched up to {UPPER:,} containers, {SSM_UPPER:,} for a layout that calls SSM "
        "(≥: the search's ceiling passed).",
    ]
    for quotas in (DEFAULT_QUOTAS, HIGHER_THROUGHPUT):
        lines += [
            "",
            f"**{quotas.name} quotas** ({_describe(quotas)}); K = {SECRETS} secrets besides the SSM parameters",
            "",
            "| layout | N | calls per cold start on the bottleneck | cold starts/s sustained "
            "(quota ÷ calls) | token bound | before | after |",
            "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
        ]
        for name in BURST_ROWS:
            for n in SIZES if name != "bundle" else SIZES[-1:]:
                layout = LAYOUTS[name](n)
                bucket, per_second = layout.bottleneck(quotas)
                before = _fmt_burst(results[Cell(name, n, BEFORE, quotas, seeds)])
                later = _fmt_burst(results[Cell(name, n, after, quotas, seeds)])
                lines.append(
                    f"| {layout.name} | {n if name != 'bundle' else 'any'} | "
                    f"{layout.calls_on(quotas)[bucket]} x {bucket} | {per_second:,.{0 if per_second >= 10 else 1}f} | "
                    f"{layout.bound(quotas):,} | {before} | {later if layout.library else '(same)'} |"
                )
    return lines


# The goals: the bundle of a 100-key stage brings at least 10,000 simultaneous cold starts
# up at default quotas, and the SSM layouts at least twice the figures (12 by manifest, 16 by path).
GOALS = (("bundle", 10_000), ("manifest", 2 * 12), ("path", 2 * 16))


def goal_lines(results: dict[Cell, tuple[int, bool]], seeds: int, after: Policy) -> list[str]:
    lines = ["", "**Goals for a burst** (N = 100, default quotas, all at once):", ""]
    for name, goal in GOALS:
        found = results[Cell(name, 100, after, DEFAULT_QUOTAS, seeds)]
        before = results[Cell(name, 100, BEFORE, DEFAULT_QUOTAS, seeds)]
        verdict = "met" if found[0] >= goal else "**not met**"
        lines.append(
            f"- {LAYOUTS[name](100).name}: at least {goal:,} -> {_fmt_burst(found)} after "
            f"({_fmt_burst(before)} before): {verdict}"
        )
    return lines


def _describe(quotas: Quotas) -> str:
    return ", ".join(f"{name} {rate:,.0f} TPS" for name, rate in quotas.rates.items())


POLICY_SIZES = (20, 30, 40)


def policy_cells(seeds: int) -> tuple[list[Cell], list[Cell]]:
    largest = [Cell(name, 100, p, DEFAULT_QUOTAS, seeds) for p in CANDIDATES for name in ("manifest", "path")]
    bands = [
        Cell(name, 100, p, DEFAULT_QUOTAS, seeds, containers=size)
        for p in CANDIDATES
        for name in ("manifest", "path")
        for size in POLICY_SIZES
    ]
    return largest, bands


def policy_table(
    largest: dict[Cell, tuple[int, bool]], bands: dict[Cell, tuple[Band, float]], seeds: int, after: Policy
) -> list[str]:
    sizes = " | ".join(f"{layout} C={size}" for layout in ("manifest", "by path") for size in POLICY_SIZES)
    lines = [
        "",
        "N = 100, K = 5, default quotas, every container at once. Largest burst: every container ready in "
        f"≥ 95 % of {seeds} seeds (token bound: {manifest(100).bound(DEFAULT_QUOTAS)} by manifest, "
        f"{by_path(100).bound(DEFAULT_QUOTAS)} by path). Shares: median (5-95 % over seeds). "
        "Calls: AWS calls (attempts) per cold start at C = 30, the price of retrying sooner.",
        "",
        f"| policy | largest burst, manifest | largest burst, by path | {sizes} | calls, manifest | calls, by path |",
        "| --- | ---: | ---: | " + " | ".join("---:" for _ in range(2 * len(POLICY_SIZES) + 2)) + " |",
    ]
    for p in CANDIDATES:
        cells = [_fmt_burst(largest[Cell(name, 100, p, DEFAULT_QUOTAS, seeds)]) for name in ("manifest", "path")]
        shares = {
            (name, size): bands[Cell(name, 100, p, DEFAULT_QUOTAS, seeds, containers=size)]
            for name in ("manifest", "path")
            for size in POLICY_SIZES
        }
        cells += [str(shares[(name, size)][0]) for name in ("manifest", "path") for size in POLICY_SIZES]
        cells += [f"{shares[(name, 30)][1]:.0f}" for name in ("manifest", "path")]
        marker = " **(after)**" if p.same_rules(after) else ""
        lines.append(f"| {p.name}{marker} | " + " | ".join(cells) + " |")
    return lines


WINDOW_CASES: tuple[tuple[str, int, Quotas, int], ...] = (
    ("bundle", 100, DEFAULT_QUOTAS, 20_000),
    ("manifest", 100, DEFAULT_QUOTAS, 30),
    ("manifest", 100, DEFAULT_QUOTAS, 100),
    ("path", 100, DEFAULT_QUOTAS, 30),
    ("path", 100, DEFAULT_QUOTAS, 100),
    ("manifest", 100, HIGHER_THROUGHPUT, 2_000),
    ("path", 100, HIGHER_THROUGHPUT, 80),
    ("powertools", 100, DEFAULT_QUOTAS, 30),
    ("naive", 100, DEFAULT_QUOTAS, 10),
)
WINDOWS = (0.0, 1.0, 10.0)


def window_cells(seeds: int, after: Policy) -> list[Cell]:
    return [
        Cell(name, n, after, quotas, seeds, containers=size, window=w)
        for name, n, quotas, size in WINDOW_CASES
        for w in WINDOWS
    ]


def window_table(results: dict[Cell, tuple[Band, float]], seeds: int, after: Policy) -> list[str]:
    lines = [
        "",
        f"After ({after.name}); containers arrive uniformly over the window. Share ready: median (5-95 % "
        f"over {seeds} seeds).",
        "",
        "| layout (N = 100) | quotas | C | " + " | ".join(f"window {w:g} s" for w in WINDOWS) + " |",
        "| --- | --- | ---: | " + " | ".join("---:" for _ in WINDOWS) + " |",
    ]
    for name, n, quotas, size in WINDOW_CASES:
        layout = LAYOUTS[name](n)
        cells = [str(results[Cell(name, n, after, quotas, seeds, containers=size, window=w)][0]) for w in WINDOWS]
        lines.append(f"| {layout.name} | {quotas.name} | {size:,} | " + " | ".join(cells) + " |")
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeded bursts per figure")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--print", action="store_true", help="print the tables; do not write docs/burst.md")
    parser.add_argument("--layout", choices=sorted(LAYOUTS), help="one band instead of the tables")
    parser.add_argument("--n", type=int, default=100, help="keys (--layout)")
    parser.add_argument("--containers", type=int, default=30, help="(--layout)")
    parser.add_argument("--window", type=float, default=0.0, help="seconds over which they arrive (--layout)")
    parser.add_argument(
        "--policy", help="before, recommended, library, or an index in CANDIDATES (--layout); default: after"
    )
    parser.add_argument("--higher-throughput", action="store_true", help="SSM's paid quotas (--layout)")
    args = parser.parse_args(argv)
    after = after_policy()
    if args.layout:
        named = {"before": BEFORE, "recommended": RECOMMENDED, "library": library_policy(), None: after}
        policy = named[args.policy] if args.policy in named else CANDIDATES[int(args.policy)]
        quotas = HIGHER_THROUGHPUT if args.higher_throughput else DEFAULT_QUOTAS
        cell = Cell(args.layout, args.n, policy, quotas, args.seeds, args.containers, args.window)
        layout, used = cell.build()
        runs = [
            simulate(layout, used, args.containers, quotas=quotas, window=args.window, seed=s)
            for s in range(args.seeds)
        ]
        through = statistics.median(sum(r.attempts.values()) - sum(r.throttled.values()) for r in runs)
        calls = statistics.median(sum(r.attempts.values()) for r in runs) / args.containers
        per_bucket = ", ".join(
            f"{bucket} {statistics.median(r.attempts[bucket] - r.throttled[bucket] for r in runs):g}"
            for bucket in sorted(layout.calls_on(quotas))
        )
        print(
            f"{layout.name}, N={args.n}, {used.name}, C={args.containers}, window {args.window:g} s, "
            f"{args.seeds} seeds (medians):\n"
            f"  ready: {Band.of([r.share for r in runs])} = {statistics.median(r.ready for r in runs):g} containers\n"
            f"  AWS calls per cold start: {calls:.0f}\n"
            f"  calls that got through: {through:g} ({per_bucket}), of which for loads that failed: "
            f"{statistics.median(r.wasted for r in runs):g}"
        )
        return
    started = time.perf_counter()
    largest_policies, band_policies = policy_cells(args.seeds)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        largest = _compute(pool, _largest, [*burst_cells(args.seeds, after), *largest_policies])
        bands = _compute(pool, _band, [*band_policies, *window_cells(args.seeds, after)])
    elapsed = time.perf_counter() - started
    command = "python -m bench.burst_sim" + (f" --seeds {args.seeds}" if args.seeds != 20 else "")
    stamp = provenance(command, elapsed)
    sections = {
        "burst-table": [*burst_table(largest, args.seeds, after), *goal_lines(largest, args.seeds, after)],
        "burst-policies": policy_table(largest, bands, args.seeds, after),
        "burst-windows": window_table(bands, args.seeds, after),
    }
    if args.print:
        print("\n".join(line for body in sections.values() for line in body), "", stamp, sep="\n")
        return
    for name, body in sections.items():
        write_section(name, [stamp, *body], DOC)
    print(f"wrote {DOC} in {elapsed:.0f} s")


if __name__ == "__main__":
    main()
