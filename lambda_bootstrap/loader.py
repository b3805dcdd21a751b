"""The cold-start load: fetch every source concurrently, merge, validate, export.

All or nothing: values reach ``os.environ`` only after every source has been
fetched, every answer verified, every name mapped, every required key found
non-empty. A load that fails exports nothing and is not cached, so the next
invocation (Lambda retries the init) tries again from scratch.

The state a container keeps (report, settings, clients, fetch times) lives in
one :class:`Bootstrap`; the module-level functions use a default instance, and
tests or a second configuration make their own with their own clients.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path

from . import clients
from .clients import Clients
from .errors import MissingKeysError
from .fetch import fetch_entries
from .merge import merge
from .report import ENVIRONMENT, LoadReport
from .retry import LoadRun
from .settings import BootstrapSettings, read_settings
from .sources import ClientFor, Source, sources_for
from .values import is_blank

__all__ = ["Bootstrap", "current_report", "load", "refresh", "reset"]

logger = logging.getLogger("lambda_bootstrap")


class Bootstrap:
    """One container's configuration: loaded once, cached, refreshed per secret.

    ``client_for`` maps a service name to a boto3 client (default: clients made
    on first use with the cold path's timeouts); ``clock`` is the monotonic
    clock of deadlines and TTLs; ``run_factory`` makes each load's
    :class:`LoadRun` (tests inject one with a fake clock).
    """

    def __init__(
        self,
        client_for: ClientFor | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        run_factory: Callable[[BootstrapSettings], LoadRun] | None = None,
    ) -> None:
        if client_for is None:
            client_for = Clients()
        self._own_clients = client_for if isinstance(client_for, Clients) else None
        self._client_for = client_for
        self._clock = clock
        self._run_factory = run_factory or self._default_run
        self._lock = threading.Lock()
        self.report: LoadReport | None = None
        self.settings: BootstrapSettings | None = None
        self._sources: list[Source] = []
        self._fetched_at: dict[str, float] = {}  # source label -> clock time of its last fetch

    def load(self, environ: MutableMapping[str, str] | None = None) -> LoadReport:
        """Load into ``environ`` (default ``os.environ``) once; later calls return the cached report."""
        report = self.report
        if report is not None:
            return report
        with self._lock:
            if self.report is None:
                self.report, self.settings = self._load_once(os.environ if environ is None else environ)
            return self.report

    def refresh(self, key: str, *, max_age: float | None = None) -> bool:
        """Re-fetch the secret that supplied ``key`` if it is older than ``max_age`` seconds.

        ``max_age`` defaults to ``BOOTSTRAP_SECRET_TTL``; ``0`` forces a fetch. For
        rotation: a warm container whose database password changed calls this on
        an authentication failure. Returns True when a value in ``os.environ``
        changed. A failed fetch raises, and still restarts the TTL clock. Only
        Secrets Manager secrets refresh (the bundle too); SSM keys and keys kept
        from the environment do not.
        """
        report, settings = self.report, self.settings
        if report is None or settings is None:
            return False
        label = report.sources.get(key, "")
        source = next((s for s in self._sources if s.label == label and label.startswith("secretsmanager:")), None)
        if source is None:
            return False
        ttl = settings.secret_ttl if max_age is None else max_age
        with self._lock:
            if self._clock() - self._fetched_at.get(label, float("-inf")) < ttl:
                return False
            try:
                values = merge(fetch_entries([source], self._client_for, self._run_factory(settings))).values
                # A rotated secret that lost or blanked a required key must not replace a working one.
                kept = [k for k, origin in report.sources.items() if origin == label]
                _check_required(settings, {**os.environ, **{k: values.get(k, "") for k in kept}})
            finally:
                # A failed attempt counts too: during an outage, TTL-driven refreshes wait
                # a TTL before trying again instead of stalling every new connection.
                self._fetched_at[label] = self._clock()
            changed = [k for k, v in values.items() if report.sources.get(k) == label and os.environ.get(k) != v]
            for changed_key in changed:
                os.environ[changed_key] = values[changed_key]
        logger.info("lambda_bootstrap: refreshed %s (%d key(s) changed)", label, len(changed))
        return bool(changed)

    def reset(self) -> None:
        """Forget the cached load and clients, as a fresh container would (tests, benchmarks)."""
        with self._lock:
            self.report = None
            self.settings = None
            self._sources = []
            self._fetched_at.clear()
            if self._own_clients is not None:
                self._own_clients.forget()

    def _default_run(self, settings: BootstrapSettings) -> LoadRun:
        return LoadRun(settings.timeout, max_attempts=settings.max_attempts, clock=self._clock)

    def _load_once(self, environ: MutableMapping[str, str]) -> tuple[LoadReport, BootstrapSettings]:
        started = time.perf_counter()
        settings = read_settings(environ)
        if not settings.configured:
            _check_required(settings, environ)
            logger.debug("lambda_bootstrap: no AWS source configured; using the process environment only")
            return LoadReport(), settings
        root = Path(environ["LAMBDA_TASK_ROOT"]) if environ.get("LAMBDA_TASK_ROOT") else None
        sources = sources_for(settings, root)
        run = self._run_factory(settings)
        merged = merge(fetch_entries(sources, self._client_for, run))
        fetched_at = self._clock()
        final, kept, overridden = _apply_precedence(merged.values, merged.sources, environ, settings.override)
        _check_required(settings, final)
        for key in merged.values:
            if key not in kept:
                environ[key] = merged.values[key]
        self._sources = sources
        self._fetched_at.update(dict.fromkeys(settings.source_labels, fetched_at))
        report = LoadReport(
            sources={k: (ENVIRONMENT if k in kept else merged.sources[k]) for k in merged.values},
            kept_from_environment=tuple(sorted(kept)),
            overridden=tuple(sorted(overridden)),
            aws_calls=run.stats.calls,
            retries=run.stats.retries,
            seconds=time.perf_counter() - started,
        )
        logger.info(
            "lambda_bootstrap: loaded %d key(s) from %s in %.0f ms (%d AWS call(s), %d retried)",
            len(merged.values),
            ", ".join(settings.source_labels),
            report.seconds * 1000,
            report.aws_calls,
            report.retries,
        )
        return report, settings


def _apply_precedence(
    fetched: Mapping[str, str], origin: Mapping[str, str], environ: Mapping[str, str], override: bool
) -> tuple[dict[str, str], list[str], list[str]]:
    """The values the process will have, and which keys the environment kept or lost; logs each conflict."""
    final = dict(environ)
    kept: list[str] = []
    overridden: list[str] = []
    for key, value in fetched.items():
        if key in environ and environ[key] != value:
            (overridden if override else kept).append(key)
            logger.warning(
                "lambda_bootstrap: %s is set in the environment and in %s; using %s%s",
                key,
                origin[key],
                origin[key] if override else "the process environment",
                "" if override else " (BOOTSTRAP_OVERRIDE=true makes fetched values win)",
            )
            if not override:
                continue
        final[key] = value
    return final, kept, overridden


def _check_required(settings: BootstrapSettings, final: Mapping[str, str]) -> None:
    """Every required key must end up non-empty, whichever side of the precedence supplied it."""
    missing = [k for k in settings.required if is_blank(final.get(k, ""))]
    if missing:
        raise MissingKeysError(missing, settings.source_labels)


_default = Bootstrap(clients.default_clients)


def load() -> LoadReport:
    """Load the stage's configuration into ``os.environ``, once per process.

    The first call fetches and exports; every later call returns the cached
    report at once, with no AWS call (warm invocations). Raises a
    :class:`BootstrapError` subclass naming what failed.
    """
    return _default.load()


def current_report() -> LoadReport | None:
    """The report of the load that succeeded in this process, if any."""
    return _default.report


def refresh(key: str, *, max_age: float | None = None) -> bool:
    """:meth:`Bootstrap.refresh` on the default bootstrap."""
    return _default.refresh(key, max_age=max_age)


def reset() -> None:
    """Forget the cached load and clients, as a fresh container would (tests, benchmarks)."""
    _default.reset()
