"""The cold-start load: fetch every source concurrently, merge, validate, export.

All or nothing: values reach ``os.environ`` only after every source has been
fetched, every name mapped, every required key found. A load that fails
exports nothing and is not cached, so the next invocation (Lambda retries the
init) tries again from scratch.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from . import secretsmanager, ssm
from .clients import get_client
from .errors import BootstrapTimeoutError, KeyConflictError, MissingKeysError
from .report import ENVIRONMENT, LoadReport
from .retry import CallStats, Deadline, call_aws
from .settings import BootstrapSettings, SecretSource, read_settings

__all__ = ["current_report", "load", "refresh", "reset"]

logger = logging.getLogger("lambda_bootstrap")

_lock = threading.Lock()
_report: LoadReport | None = None
_loaded_at: dict[str, float] = {}  # source label -> monotonic time of its fetch
_settings: BootstrapSettings | None = None

MAX_WORKERS = 32


def load() -> LoadReport:
    """Load the stage's configuration into ``os.environ``, once per process.

    The first call fetches and exports; every later call returns the cached
    report at once, with no AWS call (warm invocations). Raises a
    :class:`BootstrapError` subclass naming what failed.
    """
    report = _report
    if report is not None:
        return report
    with _lock:
        if _report is None:
            _store(_load_once())
        return _report  # type: ignore[return-value]  # set by _store just above


def current_report() -> LoadReport | None:
    """The report of the load that succeeded in this process, if any."""
    return _report


def reset() -> None:
    """Forget the cached load and clients, as a fresh container would (tests, benchmarks)."""
    from .clients import forget_clients

    global _report, _settings
    with _lock:
        _report = None
        _settings = None
        _loaded_at.clear()
        forget_clients()


def refresh(key: str, *, max_age: float | None = None) -> bool:
    """Re-fetch the secret that supplied ``key`` if it is older than ``max_age`` seconds.

    ``max_age`` defaults to ``BOOTSTRAP_SECRET_TTL``; ``0`` forces a fetch. For
    rotation: a warm container whose database password changed calls this on an
    authentication failure. Returns True when a value in ``os.environ`` changed.
    A failed fetch raises, and still restarts the TTL clock.
    Only secrets refresh; keys from SSM or kept from the environment do not.
    """
    report, settings = _report, _settings
    if report is None or settings is None:
        return False
    label = report.sources.get(key, "")
    source = next((s for s in settings.secrets if s.label == label), None)
    if source is None:
        return False
    ttl = settings.secret_ttl if max_age is None else max_age
    with _lock:
        if time.monotonic() - _loaded_at.get(label, 0.0) < ttl:
            return False
        deadline = Deadline(settings.timeout)
        task = (label, lambda: _fetch_secret(source, settings, deadline, CallStats()))
        try:
            values = _run_concurrently([task], deadline)[0][1]
        finally:
            # A failed attempt counts too: during an outage, TTL-driven refreshes wait
            # a TTL before trying again instead of stalling every new connection.
            _loaded_at[label] = time.monotonic()
        changed = [k for k, v in values.items() if report.sources.get(k) == label and os.environ.get(k) != v]
        for changed_key in changed:
            os.environ[changed_key] = values[changed_key]
    logger.info("lambda_bootstrap: refreshed %s (%d key(s) changed)", label, len(changed))
    return bool(changed)


def _store(result: tuple[LoadReport, BootstrapSettings]) -> None:
    global _report, _settings
    _report, _settings = result


def _load_once() -> tuple[LoadReport, BootstrapSettings]:
    started = time.perf_counter()
    settings = read_settings(os.environ)
    if not settings.configured:
        _check_required(settings, {}, os.environ)
        logger.debug("lambda_bootstrap: no AWS source configured; using the process environment only")
        return LoadReport(), settings
    stats = CallStats()
    fetched = _fetch_all(settings, Deadline(settings.timeout), stats)
    merged, origin = _merge(fetched)
    _check_required(settings, merged, os.environ)
    kept, overridden = _export(merged, origin, settings.override)
    report = LoadReport(
        sources={k: (ENVIRONMENT if k in kept else origin[k]) for k in merged},
        kept_from_environment=tuple(sorted(kept)),
        overridden=tuple(sorted(overridden)),
        aws_calls=stats.calls,
        retries=stats.retries,
        seconds=time.perf_counter() - started,
    )
    logger.info(
        "lambda_bootstrap: loaded %d key(s) from %s in %.0f ms (%d AWS call(s), %d retried)",
        len(merged),
        ", ".join(settings.source_labels),
        report.seconds * 1000,
        report.aws_calls,
        report.retries,
    )
    return report, settings


def _fetch_all(settings: BootstrapSettings, deadline: Deadline, stats: CallStats) -> dict[str, dict[str, str]]:
    """Run every independent AWS call at once; return values per source label."""
    tasks: list[tuple[str, Callable[[], dict[str, str]]]] = []
    if settings.ssm_path is not None:
        tasks.extend(_ssm_tasks(settings, settings.ssm_path, deadline, stats))
    for source in settings.secrets:
        tasks.append((source.label, lambda s=source: _fetch_secret(s, settings, deadline, stats)))  # type: ignore[misc]
    fetched: dict[str, dict[str, str]] = {}
    # Even a single call goes through the pool: the deadline is then a hard bound
    # for the caller, whatever a hung socket does inside the worker thread.
    for label, values in _run_concurrently(tasks, deadline):
        fetched.setdefault(label, {}).update(values)
    now = time.monotonic()
    _loaded_at.update(dict.fromkeys(fetched, now))
    return fetched


def _ssm_tasks(
    settings: BootstrapSettings, path: str, deadline: Deadline, stats: CallStats
) -> list[tuple[str, Callable[[], dict[str, str]]]]:
    client = get_client("ssm")
    label = settings.ssm_label

    def call(operation: Callable[[], Any], action: str) -> Any:
        return call_aws(
            operation, resource=label, action=action, deadline=deadline, max_attempts=settings.max_attempts, stats=stats
        )

    if settings.ssm_manifest is None:
        return [(label, lambda: ssm.to_env(ssm.by_path(client, path, call), path))]
    names = ssm.read_manifest(settings.ssm_manifest, path)
    batches = [names[i : i + ssm.GET_PARAMETERS_BATCH] for i in range(0, len(names), ssm.GET_PARAMETERS_BATCH)]
    return [(label, lambda b=batch: ssm.to_env(ssm.by_names(client, b, call), path)) for batch in batches]  # type: ignore[misc]


def _fetch_secret(
    source: SecretSource, settings: BootstrapSettings, deadline: Deadline, stats: CallStats
) -> dict[str, str]:
    client = get_client("secretsmanager")

    def call(operation: Callable[[], Any], action: str) -> Any:
        return call_aws(
            operation,
            resource=source.label,
            action=action,
            deadline=deadline,
            max_attempts=settings.max_attempts,
            stats=stats,
        )

    return secretsmanager.fetch_secret(client, source, call, settings.binary_secrets_as_base64)


def _run_concurrently(
    tasks: list[tuple[str, Callable[[], dict[str, str]]]], deadline: Deadline
) -> list[tuple[str, dict[str, str]]]:
    pool = ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(tasks)), thread_name_prefix="lambda_bootstrap")
    futures: dict[Future[dict[str, str]], str] = {pool.submit(task): label for label, task in tasks}
    try:
        # Every source gets its chance to finish, so one error can name all that failed.
        done, pending = wait(futures, timeout=deadline.remaining())
        failed = [f for f in done if f.exception() is not None]
        if failed:
            _raise_all(failed, futures)
        if pending:
            unfinished = sorted({futures[f] for f in pending})
            raise BootstrapTimeoutError(
                f"no answer from {', '.join(unfinished)} within the {deadline.seconds:g} s deadline "
                "(BOOTSTRAP_TIMEOUT); is AWS reachable from the Lambda (VPC endpoints or NAT)?"
            )
        return [(futures[f], f.result()) for f in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _raise_all(failed: list[Future[dict[str, str]]], futures: Mapping[Future[dict[str, str]], str]) -> None:
    errors = [e for f in sorted(failed, key=lambda f: futures[f]) if (e := f.exception()) is not None]
    first = errors[0]
    for other in errors[1:]:
        first.add_note(f"also failed: {other}")
    raise first


def _merge(fetched: Mapping[str, Mapping[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    merged: dict[str, str] = {}
    origin: dict[str, str] = {}
    for label, values in fetched.items():
        for key, value in values.items():
            if key in origin and origin[key] != label:
                raise KeyConflictError(key, origin[key], label)
            merged[key] = value
            origin[key] = label
    return merged, origin


def _check_required(settings: BootstrapSettings, merged: Mapping[str, str], environ: Mapping[str, str]) -> None:
    missing = [k for k in settings.required if not merged.get(k) and not environ.get(k)]
    if missing:
        raise MissingKeysError(missing, settings.source_labels)


def _export(merged: Mapping[str, str], origin: Mapping[str, str], override: bool) -> tuple[list[str], list[str]]:
    kept: list[str] = []
    overridden: list[str] = []
    for key, value in merged.items():
        if key in os.environ and os.environ[key] != value:
            (overridden if override else kept).append(key)
            winner = origin[key] if override else "the process environment"
            logger.warning(
                "lambda_bootstrap: %s is set in the environment and in %s; using %s%s",
                key,
                origin[key],
                winner,
                "" if override else " (BOOTSTRAP_OVERRIDE=true makes fetched values win)",
            )
            if not override:
                continue
        os.environ[key] = value
    return kept, overridden
