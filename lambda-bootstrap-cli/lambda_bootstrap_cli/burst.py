"""A stage's burst ceiling: how many cold starts at once its declared sources can serve. A closed-form model.

Every cold start makes a fixed number of calls on each AWS API it reads
(``calls``), and each API has a per-account, per-region quota (``tps``), a
token bucket that refills at ``tps`` a second and holds one second of it. So:

- cold starts sustained per second without throttling ~ ``tps / calls`` on
  the bottleneck API (the one where that ratio is smallest);
- a burst of cold starts arriving at once is served without a single throttled
  call while the bucket lasts: the same ``tps / calls``.

That is the ceiling ``check`` states, floored to a whole container. It is a
model, not a measurement: it ignores retries, which can stretch a burst over
the load's deadline and serve more (measured by the simulator in ``bench/``),
and other functions of the same account and region spending the same quota,
which serve fewer. It is the conservative side of both for a stage alone in
its account.

Calls per cold start, as the loader makes them:

- the bundle (``BOOTSTRAP_BUNDLE``): 1 ``GetSecretValue``;
- each secret of ``BOOTSTRAP_SECRETS``: 1 ``GetSecretValue``;
- SSM by manifest: ceil(N/10) ``GetParameters`` (10 names a call);
- SSM by path: ceil(N/10) ``GetParametersByPath`` pages (10 results a page).

Quotas: :mod:`.quotas`. A stage reads SSM one way only, so one SSM quota applies to it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lambda_bootstrap import ssm
from lambda_bootstrap.errors import ConfigurationError
from lambda_bootstrap.settings import BootstrapSettings, read_settings

from .aws import Aws
from .quotas import GET_SECRET_VALUE_TPS, SSM_HIGHER_BY_PATH_TPS, SSM_HIGHER_GET_PARAMETERS_TPS, SSM_TPS
from .stage import Stage

__all__ = [
    "Assessment",
    "Burst",
    "BurstOptions",
    "Quotas",
    "assess",
    "layout_table",
    "stage_burst",
]

TARGET_SETTING = "BOOTSTRAP_BURST_TARGET"
RESERVED_SETTING = "lambda_concurrency"  # Zappa's name for the function's reserved concurrency

GET_SECRET_VALUE = "secretsmanager:GetSecretValue"  # noqa: S105 - an API name
GET_PARAMETERS = "ssm:GetParameters"
GET_PARAMETERS_BY_PATH = "ssm:GetParametersByPath"


@dataclass(frozen=True)
class Quotas:
    """Transactions a second the account may spend on each API (default: AWS's default quotas)."""

    get_parameters: float = SSM_TPS
    get_parameters_by_path: float = SSM_TPS
    get_secret_value: float = GET_SECRET_VALUE_TPS

    @classmethod
    def chosen(
        cls, *, ssm_tps: float | None = None, secrets_tps: float | None = None, ssm_higher_throughput: bool = False
    ) -> Quotas:
        """From ``check``'s flags: ``--ssm-tps`` sets SSM's quota whichever way the stage reads it."""
        get_parameters, by_path = (
            (SSM_HIGHER_GET_PARAMETERS_TPS, SSM_HIGHER_BY_PATH_TPS) if ssm_higher_throughput else (SSM_TPS, SSM_TPS)
        )
        if ssm_tps is not None:
            get_parameters = by_path = ssm_tps
        return cls(get_parameters, by_path, GET_SECRET_VALUE_TPS if secrets_tps is None else secrets_tps)

    def of(self, api: str) -> float:
        return {
            GET_PARAMETERS: self.get_parameters,
            GET_PARAMETERS_BY_PATH: self.get_parameters_by_path,
            GET_SECRET_VALUE: self.get_secret_value,
        }[api]


@dataclass(frozen=True)
class ApiLoad:
    """One API's share of a cold start: how many calls, for which sources, against which quota."""

    api: str
    tps: float
    calls: int
    parts: tuple[str, ...]

    @property
    def ceiling(self) -> int:
        return math.floor(self.tps / self.calls)

    def line(self) -> str:
        return (
            f"{self.api}: {self.calls} call(s) per cold start ({', '.join(self.parts)}) "
            f"at {self.tps:,.0f} TPS -> {self.ceiling:,} cold starts"
        )


@dataclass(frozen=True)
class Burst:
    loads: tuple[ApiLoad, ...]

    @property
    def bottleneck(self) -> ApiLoad:
        return min(self.loads, key=lambda load: load.ceiling)

    @property
    def ceiling(self) -> int:
        return self.bottleneck.ceiling


def stage_burst(settings: BootstrapSettings, quotas: Quotas, ssm_names: int | None) -> Burst:
    """The calls a cold start of ``settings`` makes on each API; ``ssm_names``: parameters it reads from SSM."""
    loads: list[ApiLoad] = []
    if settings.ssm_path is not None:
        names = ssm_names or 0
        calls = max(1, math.ceil(names / ssm.GET_PARAMETERS_BATCH))
        if settings.ssm_manifest is not None:
            part = f"manifest: ceil({names}/10) GetParameters"
            loads.append(ApiLoad(GET_PARAMETERS, quotas.get_parameters, calls, (part,)))
        else:
            part = f"by path: ceil({names}/10) sequential pages"
            loads.append(ApiLoad(GET_PARAMETERS_BY_PATH, quotas.get_parameters_by_path, calls, (part,)))
    secrets = [*(["bundle 1"] if settings.bundle is not None else []), *(f"{s.secret_id} 1" for s in settings.secrets)]
    if secrets:
        loads.append(ApiLoad(GET_SECRET_VALUE, quotas.get_secret_value, len(secrets), tuple(secrets)))
    return Burst(tuple(loads))


@dataclass(frozen=True)
class BurstOptions:
    """``check``'s flags for the burst row."""

    quotas: Quotas = field(default_factory=Quotas)
    target: int | None = None  # --burst-target: replaces the stage's BOOTSTRAP_BURST_TARGET


@dataclass(frozen=True)
class Assessment:
    passed: bool
    summary: str
    details: tuple[str, ...]


def assess(stage: Stage, aws: Aws, options: BurstOptions) -> Assessment:
    """The ``burst`` row of ``check``: the ceiling, its bottleneck, and whether it reaches the stage's targets."""
    settings = stage.bootstrap
    problems: list[str] = []
    try:
        ssm_names = _ssm_names(stage, aws) if settings.ssm_path is not None else None
    except ConfigurationError as exc:  # an unreadable manifest: the row fails rather than guess
        return Assessment(False, f"cannot count the SSM calls of a cold start: {exc}", ())
    burst = stage_burst(settings, options.quotas, ssm_names)
    targets = _targets(stage, options, problems)
    ceiling, bottleneck = burst.ceiling, burst.bottleneck
    details = [load.line() for load in burst.loads]
    details.append(
        "model (closed form, not a measurement): cold starts a second without throttling ~ quota / calls per "
        "cold start on the bottleneck API; a burst at once draws on a bucket of one second of quota"
    )
    short = [f"{origin} {value:,}" for value, origin in targets if ceiling < value]
    met = [f"{origin} {value:,}" for value, origin in targets if ceiling >= value]
    summary = f"ceiling {ceiling:,} cold starts at once (bottleneck {bottleneck.api})"
    if short:
        summary += f", below {', '.join(short)}"
        if settings.ssm_path is not None:
            details.append(
                "raise it: move SSM keys into the bundle (lambda-bootstrap migrate "
                f"{stage.name}), or raise the quota and pass it (--ssm-tps, --secrets-tps)"
            )
        else:
            details.append(
                "raise it: fewer secrets in BOOTSTRAP_SECRETS (their keys can join the bundle), "
                "or raise Secrets Manager's quota and pass it (--secrets-tps)"
            )
    elif met:
        summary += f", reaches {', '.join(met)}"
    elif not problems:
        summary += f"; no target declared ({RESERVED_SETTING} or {TARGET_SETTING})"
    return Assessment(not short and not problems, summary, (*problems, *details))


def _targets(stage: Stage, options: BurstOptions, problems: list[str]) -> list[tuple[int, str]]:
    targets: list[tuple[int, str]] = []
    reserved = _positive(stage.config.get(RESERVED_SETTING), RESERVED_SETTING, problems)
    if reserved is not None:
        targets.append((reserved, f"reserved concurrency ({RESERVED_SETTING})"))
    if options.target is not None:
        targets.append((options.target, "target (--burst-target)"))
    else:
        declared = _positive(stage.environment.get(TARGET_SETTING), TARGET_SETTING, problems)
        if declared is not None:
            targets.append((declared, f"target ({TARGET_SETTING})"))
    return targets


def _positive(raw: Any, setting: str, problems: list[str]) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        problems.append(f"{setting} must be a positive whole number, got {raw!r}")
        return None
    if value < 1:
        problems.append(f"{setting} must be a positive whole number, got {raw!r}")
        return None
    return value


def _ssm_names(stage: Stage, aws: Aws) -> int:
    """How many parameters a cold start reads from SSM: the manifest's names, or what is under the path."""
    settings = stage.bootstrap
    path = settings.ssm_path
    assert path is not None  # noqa: S101 - the caller checked
    if settings.ssm_manifest is not None:
        return len(ssm.read_manifest(str(stage.path(settings.ssm_manifest)), path))
    return len(aws.ssm_parameters(path))


def layout_table(sizes: Sequence[int] = (10, 100), quotas: Quotas | None = None) -> list[str]:
    """The closed-form ceiling of each layout (plus one database secret), as a Markdown table."""
    quotas = quotas or Quotas()
    stage = {"PROJECT": "app", "STAGE": "prod", "BOOTSTRAP_SECRETS": "database"}
    layouts = {
        "bundle + database secret": {"BOOTSTRAP_BUNDLE": "config"},
        "SSM by manifest + database secret": {"BOOTSTRAP_SSM_PATH": "/app/prod/", "BOOTSTRAP_SSM_MANIFEST": "m.json"},
        "SSM by path + database secret": {"BOOTSTRAP_SSM_PATH": "/app/prod/"},
    }
    lines = ["| layout | " + " | ".join(f"N = {n}" for n in sizes) + " |", "| --- |" + " ---: |" * len(sizes)]
    for name, variables in layouts.items():
        settings = read_settings({**stage, **variables})
        cells = []
        for n in sizes:
            burst = stage_burst(settings, quotas, n)
            cells.append(f"{burst.ceiling:,} ({burst.bottleneck.api.split(':')[1]})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


if __name__ == "__main__":
    print("default quotas (SSM 40 TPS shared, GetSecretValue 10,000 TPS):")
    print("\n".join(layout_table()))
    print()
    print("SSM higher throughput (GetParameters 3,000 TPS, GetParametersByPath 100 TPS):")
    print("\n".join(layout_table(quotas=Quotas.chosen(ssm_higher_throughput=True))))
