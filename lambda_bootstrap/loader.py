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
from dataclasses import dataclass
from pathlib import Path

from . import snapstart
from .clients import Clients, default_clients
from .errors import BootstrapError, ConfigurationError
from .fetch import PendingFetch, fetch_entries, start_fetch
from .merge import merge
from .report import ENVIRONMENT, LoadReport
from .retry import LoadRun
from .rules import missing_required, stage_values
from .settings import BootstrapSettings, read_settings
from .sources import ClientFor, Source, sources_for

__all__ = ["Bootstrap", "current_report", "default", "load", "refresh"]

logger = logging.getLogger("lambda_bootstrap")


class Bootstrap:
    """One container's configuration: loaded once, cached, refreshed per secret.

    ``clients`` maps a service name to a boto3 client (default: :class:`.Clients`, made
    on first use with the cold path's timeouts); ``environ`` is the environment read and
    written (default ``os.environ``); ``clock`` and ``sleep`` drive deadlines, back-off
    and TTLs (tests pass a fake clock whose sleep advances it, so no test waits).
    """

    def __init__(
        self,
        clients: ClientFor | None = None,
        *,
        environ: MutableMapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self.clients: ClientFor = Clients() if clients is None else clients
        self.environ: MutableMapping[str, str] = os.environ if environ is None else environ
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self.report: LoadReport | None = None
        self.settings: BootstrapSettings | None = None
        self._sources: list[Source] = []
        self._fetched_at: dict[str, float] = {}  # source label -> clock time of its last fetch
        self._prefetched: _Prefetch | None = None
        self._originals: dict[str, str] = {}  # the environment's own values of keys a load exported over

    def load(self) -> LoadReport:
        """Load into the environment once; later calls return the cached report."""
        report = self.report
        if report is not None:
            return report
        with self._lock:
            if self.report is None:
                self.report, self.settings = self._load_once()
            return self.report

    def prefetch(self, overrides: Mapping[str, str]) -> bool:
        """Start the load's AWS calls now, for the :meth:`load` that comes later; True if they started.

        For a handler module that runs before the framework is imported (lambda_bootstrap.zappa_handler):
        the calls wait on the network while the imports run. ``overrides`` are the variables the handler
        will have set by the time :meth:`load` runs (Zappa's ``environment_variables``, ``PROJECT``,
        ``STAGE``). Nothing is exported here. :meth:`load` uses the answers only if it reads the very
        same settings, under the very same client environment (every ``AWS_*`` variable and the
        proxies: where the calls went, and as whom), within the fetch's deadline; then it merges, checks
        and exports as always. Otherwise it drops them, and the clients made for them, and fetches
        afresh. A fetch that fails is the load's failure, raised by :meth:`load`.

        Nothing starts (False) when the overrides would change the client environment (the clients are
        made now, under the current one), when the settings cannot be read (:meth:`load` reads them again
        and raises), or in an init no request waits for: SnapStart's runs when a version is published,
        provisioned concurrency's long before the first event.
        """
        with self._lock:
            if self.report is not None or self._prefetched is not None:
                return False
            if self.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in _UNHURRIED_INITS:
                return False
            environ = {**self.environ, **overrides}
            client_environment = _client_environment(self.environ)
            if _client_environment(environ) != client_environment:
                return False
            try:
                settings = read_settings(environ)
                if not settings.configured:
                    return False
                root = _task_root(environ)
                sources = sources_for(settings, root)
                pending = start_fetch(sources, self.clients, self._run(settings))
            except BootstrapError:
                return False  # load() meets the same error, and raises it
            self._prefetched = _Prefetch(settings, root, client_environment, sources, pending)
            return True

    def refresh(self, key: str, *, max_age: float | None = None) -> bool:
        """Re-fetch the secret that supplied ``key`` if it is older than ``max_age`` seconds.

        ``max_age`` defaults to ``BOOTSTRAP_SECRET_TTL``; ``0`` forces a fetch. For
        rotation: a warm container whose database password changed calls this on
        an authentication failure. Returns True when a value in the environment
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
            if self.clock() - self._fetched_at.get(label, float("-inf")) < ttl:
                return False
            try:
                values = merge(fetch_entries([source], self.clients, self._run(settings))).values
                # A rotated secret that lost or blanked a required key must not replace a working one.
                kept = [k for k, origin in report.sources.items() if origin == label]
                missing = missing_required(settings.required, {**self.environ, **{k: values.get(k, "") for k in kept}})
                if missing:
                    raise ConfigurationError(
                        f"{label} no longer holds required key(s) {', '.join(missing)} (or they are blank): "
                        "the values loaded at the cold start stay",
                        keys=missing,
                    )
            finally:
                # A failed attempt counts too: during an outage, TTL-driven refreshes wait
                # a TTL before trying again instead of stalling every new connection.
                self._fetched_at[label] = self.clock()
            changed = [k for k, v in values.items() if report.sources.get(k) == label and self.environ.get(k) != v]
            for changed_key in changed:
                self.environ[changed_key] = values[changed_key]
        logger.info("lambda_bootstrap: refreshed %s (%d key(s) changed)", label, len(changed))
        return bool(changed)

    def reload(self) -> list[str]:
        """Fetch the configuration again (SnapStart, after a restore) and apply what changed; the changed keys.

        The same sources, fetch path, rules and deadline as the cold start, judged against the
        environment as it was before any load exported into it: a key this bootstrap exported over an
        environment value (the same value, or one ``BOOTSTRAP_OVERRIDE`` overrode) gets that value back
        if its source no longer holds it, as a cold start would give it. A failure raises and changes
        nothing.
        """
        with self._lock:
            report, settings = self.report, self.settings
            if report is None or settings is None or not settings.configured:
                return []
            ours = {key for key, origin in report.sources.items() if origin != ENVIRONMENT}
            base = {key: value for key, value in self.environ.items() if key not in ours}
            base.update({key: value for key, value in self._originals.items() if key in ours})
            run = self._run(settings)
            values = stage_values(fetch_entries(self._sources, self.clients, run), base, settings)
            after = {key: base[key] for key in ours if key in base} | dict(values.exported)
            changed = sorted(k for k in ours | set(after) if self.environ.get(k) != after.get(k))
            for key in ours - set(after):
                self.environ.pop(key, None)
            for key, value in after.items():
                self.environ[key] = value
            self._originals = {key: base[key] for key in values.exported if key in base}
            self._fetched_at.update(dict.fromkeys(settings.source_labels, self.clock()))
            self.report = LoadReport(
                sources={k: (ENVIRONMENT if k in values.kept else label) for k, label in values.sources.items()},
                kept_from_environment=values.kept,
                overridden=values.overridden,
                aws_calls=run.stats.calls,
                retries=run.stats.retries,
                seconds=report.seconds,
            )
            return changed

    def forget_connections(self) -> None:
        """Drop the clients, their pooled connections and credentials; keep botocore's parsed models."""
        if isinstance(self.clients, Clients):
            self.clients.renew()

    def reset(self) -> None:
        """Forget the cached load and clients, as a fresh container would (tests, benchmarks)."""
        with self._lock:
            if self._prefetched is not None:
                self._prefetched.pending.run.cancel()
                self._prefetched = None
            self.report = None
            self.settings = None
            self._sources = []
            self._originals = {}
            self._fetched_at.clear()
            if isinstance(self.clients, Clients):
                self.clients.forget()

    def _run(self, settings: BootstrapSettings) -> LoadRun:
        return LoadRun(settings.timeout, max_attempts=settings.max_attempts, clock=self.clock, sleep=self.sleep)

    def _load_once(self) -> tuple[LoadReport, BootstrapSettings]:
        started = time.perf_counter()
        environ = self.environ
        settings = read_settings(environ)
        if not settings.configured:
            stage_values([], environ, settings, log=False)  # BOOTSTRAP_REQUIRED still holds
            logger.debug("lambda_bootstrap: no AWS source configured; using the process environment only")
            return LoadReport(), settings
        root = _task_root(environ)
        prefetched, self._prefetched = self._prefetched, None
        early = prefetched is not None and prefetched.serves(settings, root, environ)
        if prefetched is not None and early:
            sources, pending = prefetched.sources, prefetched.pending
        else:
            if prefetched is not None:  # for other settings, elsewhere, or too long ago: none of it is used
                prefetched.pending.run.cancel()
                self.forget_connections()
            sources = sources_for(settings, root)
            pending = start_fetch(sources, self.clients, self._run(settings))
        run = pending.run
        values = stage_values(pending.result(), environ, settings)
        fetched_at = self.clock()
        self._originals = {key: environ[key] for key in values.exported if key in environ}
        for key, value in values.exported.items():  # only now: every check has passed
            environ[key] = value
        self._sources = sources
        self._fetched_at.update(dict.fromkeys(settings.source_labels, fetched_at))
        report = LoadReport(
            sources={k: (ENVIRONMENT if k in values.kept else label) for k, label in values.sources.items()},
            kept_from_environment=values.kept,
            overridden=values.overridden,
            aws_calls=run.stats.calls,
            retries=run.stats.retries,
            seconds=time.perf_counter() - started,
        )
        snapstart.register(self)  # a SnapStart init: fetched again after each restore (snapstart.py)
        logger.info(
            "lambda_bootstrap: loaded %d key(s) from %s in %.0f ms (%d AWS call(s), %d retried%s)",
            len(values.sources),
            ", ".join(settings.source_labels),
            report.seconds * 1000,
            report.aws_calls,
            report.retries,
            "; started at import" if early else "",
        )
        return report, settings


# An init no request waits for: prefetching there only holds answers longer (SnapStart: in a snapshot).
_UNHURRIED_INITS = frozenset({"snap-start", "provisioned-concurrency"})
_PROXY_VARIABLES = frozenset({"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"})


def _client_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """What decides where the clients call and as whom: region, endpoints, credentials, profile, proxies."""
    return {key: value for key, value in environ.items() if key.startswith("AWS_") or key in _PROXY_VARIABLES}


@dataclass(frozen=True)
class _Prefetch:
    settings: BootstrapSettings
    root: Path | None
    client_environment: dict[str, str]
    sources: list[Source]
    pending: PendingFetch

    def serves(self, settings: BootstrapSettings, root: Path | None, environ: Mapping[str, str]) -> bool:
        """The load would have made these very calls, now: same settings, same client environment, in time."""
        same = (self.settings, self.root, self.client_environment) == (settings, root, _client_environment(environ))
        return same and self.pending.run.remaining() > 0


def _task_root(environ: Mapping[str, str]) -> Path | None:
    return Path(environ["LAMBDA_TASK_ROOT"]) if environ.get("LAMBDA_TASK_ROOT") else None


_default = Bootstrap(default_clients)


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


def default() -> Bootstrap:
    """The process's own bootstrap, which :func:`load` and :func:`refresh` use."""
    return _default
