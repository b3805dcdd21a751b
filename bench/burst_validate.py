"""Validate the burst simulator against real bursts of fresh processes through a throttling proxy.

moto's server (its own process) holds a stage of N SSM parameters and two
secrets; ``testsupport/aws_proxy.py`` stands in front of it with AWS's token buckets
at a scaled-down quota (SSM 10 TPS, so that 10 or 20 processes on this
machine saturate it as thousands of containers would saturate 40 TPS) and
20 ms per call. C fresh interpreters import the bootstrap, make their clients,
wait at a barrier, then each runs ``lambda_bootstrap.load()`` (testsupport/burst.py).
The share of them that loaded within the deadline must fall inside the
simulation's 5-95 % band for the same layout, quota, C and retry policy: the
library's (read from ``lambda_bootstrap.retry`` by ``bench.burst_sim.library_policy``),
and the library with other back-off constants and 20 attempts (``BENCH_BACKOFF`` in
the child), a second point of the model. The simulation is given the per-call
time the proxy measured.

    .venv/bin/python -m bench.burst_validate               # 2 policies x 2 layouts x C = 10, 20; docs/burst.md
    .venv/bin/python -m bench.burst_validate --print --rounds 1 --variants 1
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from testsupport import burst
from testsupport.aws_env import FAKE_AWS
from testsupport.aws_proxy import AwsProxy
from testsupport.token_bucket import DEFAULT_QUOTAS

from . import burst_sim
from .burst_sim import Band, Layout, Policy, by_path, manifest, share_band
from .sections import provenance

__all__ = ["QUOTAS", "Case", "Check", "Variant", "run_case", "variants"]

QUOTAS = DEFAULT_QUOTAS.scaled("SSM 10 TPS", ssm=10.0)
LATENCY = 0.02
# 5 GetParameters (or 5 pages) per cold start: C = 10 and 20 land on either side of the ceiling. Not 50:
# for a multiple of 10, moto's last full page still carries a NextToken, and a sixth, empty page follows.
PARAMETERS = 45
SECRETS = 2  # testsupport/burst.py's stage: a database secret and an API secret
SIM_SEEDS = 100


@dataclass(frozen=True)
class Variant:
    """A retry policy the real processes run, and the simulation's model of it."""

    policy: Policy
    environment: dict[str, str]


def variants() -> tuple[Variant, ...]:
    """The library as it is, and with other back-off constants and more attempts (a second point of the model)."""
    library = burst_sim.library_policy()
    attempts = 20  # BOOTSTRAP_MAX_ATTEMPTS's highest value
    other = replace(
        library,
        name=library.name.replace(f"{library.base:g}/{library.cap:g} s", "0.05/0.5 s")
        .replace(f"{library.max_attempts} attempts", f"{attempts} attempts")
        .replace("library:", "library with BENCH_BACKOFF=0.05,0.5 and BOOTSTRAP_MAX_ATTEMPTS=20:"),
        base=0.05,
        cap=0.5,
        max_attempts=attempts if library.max_attempts is not None else None,
    )
    return (
        Variant(library, {}),
        Variant(other, {"BENCH_BACKOFF": "0.05,0.5", "BOOTSTRAP_MAX_ATTEMPTS": str(attempts)}),
    )


@dataclass(frozen=True)
class Case:
    layout: str  # "manifest" or "path"
    containers: int

    def model(self) -> Layout:
        return (manifest if self.layout == "manifest" else by_path)(PARAMETERS, SECRETS)


@dataclass
class Check:
    """One real burst and the simulation's band for it."""

    case: Case
    policy: Policy
    ready: int
    band: Band
    call_time: float
    requests: int
    throttled: int
    errors: dict[str, int]

    @property
    def share(self) -> float:
        return self.ready / self.case.containers

    @property
    def inside(self) -> bool:
        return self.band.contains(self.share)


def run_case(
    moto_url: str,
    pointers: dict[str, str],
    case: Case,
    *,
    variant: Variant,
    rounds: int = 1,
    seeds: int = SIM_SEEDS,
) -> list[Check]:
    """``rounds`` real bursts of ``case.containers`` processes, each checked against the simulation."""
    checks = []
    policy = variant.policy
    with AwsProxy(moto_url, latency=LATENCY, replay=True, throttle=QUOTAS) as proxy:
        env = burst.child_environment(
            proxy.url, pointers, manifest=case.layout == "manifest", extra=variant.environment
        )
        # One cold start first, not counted: the proxy then answers every burst's calls from its
        # replay cache, not moto's single interpreter (AWS answers in parallel, moto one at a time).
        burst.run_round(1, env)
        for _ in range(rounds):
            requests, throttled, busy = proxy.stats.total, sum(proxy.stats.throttled.values()), proxy.stats.busy
            outcomes = burst.run_round(case.containers, env, before_release=proxy.reset_buckets)
            requests = proxy.stats.total - requests
            call_time = (proxy.stats.busy - busy) / requests if requests else LATENCY
            errors: dict[str, int] = {}
            for outcome in outcomes:
                if not outcome["ok"]:
                    errors[outcome["error"]] = errors.get(outcome["error"], 0) + 1
            band = share_band(case.model(), policy, case.containers, seeds=seeds, quotas=QUOTAS, call_time=call_time)
            checks.append(
                Check(
                    case=case,
                    policy=policy,
                    ready=sum(1 for o in outcomes if o["ok"]),
                    band=band,
                    call_time=call_time,
                    requests=requests,
                    throttled=sum(proxy.stats.throttled.values()) - throttled,
                    errors=errors,
                )
            )
    return checks


def table(checks: Sequence[Check]) -> list[str]:
    lines = [
        "",
        f"Quota: {QUOTAS.name} (burst 10), Secrets Manager as AWS's; {PARAMETERS} parameters + {SECRETS} secrets; "
        f"{LATENCY * 1000:.0f} ms added per call. Band: 5-95 % of {SIM_SEEDS} simulated bursts with the "
        "per-call time the proxy measured.",
    ]
    for policy in dict.fromkeys(c.policy for c in checks):
        lines += [
            "",
            f"Retry policy: {policy.name}",
            "",
            "| layout | C | real: ready | simulation: median (5-95 %) | inside | call time | requests (throttled) | "
            "failures |",
            "| --- | ---: | ---: | ---: | --- | ---: | ---: | --- |",
        ]
        lines += [_row(check) for check in checks if check.policy == policy]
    inside = sum(c.inside for c in checks)
    lines += ["", f"{inside} of {len(checks)} real bursts inside the simulation's band."]
    return lines


def _row(check: Check) -> str:
    errors = ", ".join(f"{n} x {kind}" for kind, n in sorted(check.errors.items())) or "-"
    return (
        f"| {check.case.model().name} | {check.case.containers} | {check.ready}/{check.case.containers} "
        f"({check.share:.0%}) | {check.band} | {'yes' if check.inside else '**no**'} | "
        f"{check.call_time * 1000:.0f} ms | {check.requests} ({check.throttled}) | {errors} |"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--containers", type=int, action="append", help="C (repeatable); 10 and 20")
    parser.add_argument("--layout", choices=("manifest", "path"), action="append", help="repeatable; both")
    parser.add_argument("--rounds", type=int, default=2, help="real bursts per case")
    parser.add_argument("--variants", type=int, default=2, help="1: the library as it is; 2: and other constants")
    parser.add_argument("--print", action="store_true", help="print; do not write docs/burst.md")
    args = parser.parse_args(argv)
    os.environ.update(FAKE_AWS)
    os.environ.pop("AWS_PROFILE", None)
    started = time.perf_counter()
    checks: list[Check] = []
    with burst.moto_process() as moto_url, tempfile.TemporaryDirectory() as folder:
        pointers = burst.seed_stage(moto_url, PARAMETERS, Path(folder))
        for variant in variants()[: args.variants]:
            for layout in args.layout or ["manifest", "path"]:
                for containers in args.containers or [10, 20]:
                    case = Case(layout, containers)
                    for check in run_case(moto_url, pointers, case, variant=variant, rounds=args.rounds):
                        print(
                            f"{case.model().name}, C={containers}, {variant.policy.name}: "
                            f"{check.ready}/{containers} ready; simulation {check.band}; "
                            f"{'inside' if check.inside else 'OUTSIDE'}",
                            flush=True,
                        )
                        checks.append(check)
    lines = table(checks)
    command = "python -m bench.burst_validate" + (f" --rounds {args.rounds}" if args.rounds != 2 else "")
    stamp = provenance(command, time.perf_counter() - started)
    if args.print:
        print("\n".join([*lines, "", stamp]))
    else:
        burst_sim.write_section("burst-validation", [stamp, *lines], burst_sim.DOC)
        print(f"wrote {burst_sim.DOC}")


if __name__ == "__main__":
    main()
