"""AWS for the tooling: one session in the stage's region, every call through the bootstrap's retry path.

So throttling and 5xx are retried with the bootstrap's back-off, and every
failure comes out as one line naming the endpoint, the profile, the resource
and the IAM action, exit status 2, never a traceback:

- a denied call also names the identity that was refused (STS
  GetCallerIdentity): the operator's own credentials made it, so the fix is
  on them, never on the Lambda's role (which must not get write actions);
- each call has a deadline the operator sets (``--timeout`` or
  ``BOOTSTRAP_CLI_TIMEOUT``, default 60 s; a hung endpoint ends there), with a
  progress line on stderr while it waits;
- a missing profile, a malformed ``AWS_ENDPOINT_URL``, a closed port and an
  answer that is not what the API returns (an HTML error page) each name their
  cause.

Timeouts are longer than on the cold path: this runs on a laptop or a CI
runner, not inside Lambda's 10 s init.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from lambda_bootstrap.clients import Clients, profile_name
from lambda_bootstrap.errors import (
    AccessDeniedError,
    BootstrapError,
    ConfigurationError,
    SourceError,
    SourceUnavailableError,
)
from lambda_bootstrap.fetch import fetch_entries
from lambda_bootstrap.keys import ssm_env_key
from lambda_bootstrap.merge import Entry
from lambda_bootstrap.retry import LoadRun
from lambda_bootstrap.sources import Source
from lambda_bootstrap.ssm import read_path

from .errors import OperatorAccessDeniedError, ToolError
from .journal import WriteJournal

__all__ = ["Aws", "CallSettings", "SsmParameter", "call_settings", "using_call_settings"]

T = TypeVar("T")

CONNECT_TIMEOUT = 5.0
TIMEOUT_VARIABLE = "BOOTSTRAP_CLI_TIMEOUT"
TIMEOUT_FLAG = "--timeout"
DEFAULT_TIMEOUT = 60.0
PROGRESS_AFTER = 2.0  # seconds of silence before the first "waiting for" line
PROGRESS_EVERY = 10.0
_WRITE_VERBS = ("Put", "Delete", "Create", "Update", "Tag", "Untag", "Remove", "Add")


@dataclass(frozen=True)
class CallSettings:
    """How long one AWS call may take (retries included), where "still waiting" lines go, and the clock.

    ``clock`` and ``sleep`` drive deadlines and back-off (tests pass a fake clock whose sleep advances it).
    ``journal`` records the command's writes, for a truthful report of whatever stops it.
    """

    timeout: float = DEFAULT_TIMEOUT
    progress: Callable[[str], None] | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], object] | None = None
    journal: WriteJournal = field(default_factory=WriteJournal)


_CALL_SETTINGS: ContextVar[CallSettings | None] = ContextVar("call_settings", default=None)


def _current_settings() -> CallSettings:
    return _CALL_SETTINGS.get() or CallSettings()


def call_settings(
    flag: float | None,
    environ: Mapping[str, str],
    progress: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] | None = None,
) -> CallSettings:
    """The deadline from ``--timeout``, else ``BOOTSTRAP_CLI_TIMEOUT``, else 60 s; bad values name their source."""
    if flag is not None:
        source, raw = TIMEOUT_FLAG, str(flag)
    else:
        source, raw = TIMEOUT_VARIABLE, environ.get(TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return CallSettings(DEFAULT_TIMEOUT, progress, clock, sleep)
    try:
        timeout = float(raw)
    except ValueError:
        raise ToolError(f"{source} must be a number of seconds") from None
    if not 1.0 <= timeout <= 3600.0:
        raise ToolError(f"{source} must be between 1 and 3600 seconds")
    return CallSettings(timeout, progress, clock, sleep)


@contextmanager
def using_call_settings(settings: CallSettings) -> Iterator[None]:
    token = _CALL_SETTINGS.set(settings)
    try:
        yield
    finally:
        _CALL_SETTINGS.reset(token)


@dataclass(frozen=True)
class SsmParameter:
    name: str
    value: str

    def __repr__(self) -> str:
        return f"SsmParameter(name={self.name!r})"


class Aws:
    """The operator's AWS: one session in the stage's region, the bootstrap's client factory and retry path."""

    def __init__(self, region: str, max_attempts: int, settings: CallSettings | None = None) -> None:
        self.region = region
        self.max_attempts = max_attempts
        self.settings = settings or _current_settings()
        self.client = Clients(
            region=region,
            connect_timeout=min(CONNECT_TIMEOUT, self.settings.timeout),
            read_timeout=self.settings.timeout,
        )
        self._caller: str | None = None

    def endpoint(self, service: str) -> str:
        """Where calls to ``service`` go (the client is made here if need be: the same URL errors will name)."""
        try:
            url = urlsplit(str(self.client(service).meta.endpoint_url))
        except BootstrapError:
            return f"{service} in {self.region}"
        host = url.hostname or ""
        return urlunsplit((url.scheme, f"{host}:{url.port}" if url.port else host, url.path, "", ""))  # no user:pass

    def run(self, *, deadline: float | None = None, max_attempts: int | None = None) -> LoadRun:
        """A deadline and a retry budget of the operator's choosing (throttling capped too: a CLI can wait)."""
        attempts = self.max_attempts if max_attempts is None else max_attempts
        seconds = self.settings.timeout if deadline is None else deadline
        return LoadRun(
            seconds,
            max_attempts=attempts,
            throttled_attempts=attempts,
            clock=self.settings.clock,
            sleep=self.settings.sleep,
        )

    def call(self, operation: Callable[[], T], *, resource: str, action: str, housekeeping: bool = False) -> T:
        """One AWS call; any failure comes out naming the endpoint, the profile, and who was refused.

        A write is journaled (:mod:`.journal`) unless it is ``housekeeping``: a write that changes
        nothing a stage loads (a version that is not current yet, a label of the tool's own).
        """
        journaled = _writes(action) and not housekeeping
        with (
            self.explained(resource, action),
            self.settings.journal.sending(action, resource) if journaled else nullcontext(),
        ):
            return self.run().call(operation, resource=resource, action=action)

    def fetch(self, sources: Sequence[Source]) -> list[Entry]:
        """What the cold start would read from ``sources``, through the same fetch path."""
        labels = ", ".join(source.label for source in sources)
        actions = ", ".join(sorted({source.action for source in sources}))
        with self.explained(labels, actions):
            return fetch_entries(sources, self.client, self.run())

    def ssm_parameters(self, path: str) -> dict[str, SsmParameter]:
        """Every parameter under ``path`` by the env key it loads as; none is not an error here.

        A name that maps to no key, or two names on one key, is an error (the bootstrap's naming);
        a value the stage would refuse is not: the tool must be able to read a stage it repairs.
        """
        with self.explained(f"ssm:{path}", "ssm:GetParametersByPath"):
            found = read_path(self.client("ssm"), path, self.run())
        parameters: dict[str, SsmParameter] = {}
        for name, value in found:
            key = ssm_env_key(name, path)
            if key in parameters:
                raise ConfigurationError(
                    f"environment key {key} is produced by both ssm:{parameters[key].name} and ssm:{name}; "
                    "delete one of them",
                    keys=[key],
                )
            parameters[key] = SsmParameter(name, value)
        return parameters

    def caller(self) -> str:
        """The ARN of the credentials in use, for "who was refused"; never raises."""
        if self._caller is None:
            try:
                sts = self.client("sts")
                run = self.run(deadline=min(10.0, self.settings.timeout), max_attempts=2)
                answer = run.call(sts.get_caller_identity, resource="caller identity", action="sts:GetCallerIdentity")
                self._caller = str(answer["Arn"])
            except Exception as exc:  # the denial is the error to report, not this
                self._caller = f"the caller (sts:GetCallerIdentity failed: {type(exc).__name__})"
        return self._caller

    @contextmanager
    def explained(self, resource: str, action: str) -> Iterator[None]:
        """Every failure inside as one line naming the endpoint and profile (and, when denied, the caller)."""
        waiting = _Progress(
            self.settings.progress,
            f"still waiting for {action} on {resource} ({self._where(action)}); giving up after "
            f"{self.settings.timeout:g} s ({TIMEOUT_FLAG} or {TIMEOUT_VARIABLE})",
        )
        try:
            yield
        except AccessDeniedError as exc:
            denied = exc.action or action
            raise OperatorAccessDeniedError(
                exc.resource or resource,
                denied,
                code=exc.code,
                who=self.caller(),
                where=self._where(denied),
                write=_writes(denied),
            ) from exc.__cause__
        except SourceUnavailableError as exc:
            if not exc.timed_out:
                raise SourceUnavailableError(
                    f"{exc} ({self._where(exc.action or action)})",
                    resource=exc.resource,
                    action=exc.action,
                    code=exc.code,
                ) from exc.__cause__
            late = exc.action or action
            raise SourceUnavailableError(
                f"{late} on {exc.resource or resource} got no answer within {self.settings.timeout:g} s "
                f"({self._where(late)}; set the deadline with {TIMEOUT_FLAG} or {TIMEOUT_VARIABLE})",
                resource=exc.resource or resource,
                action=late,
                code=exc.code,
                timed_out=True,
            ) from exc.__cause__
        except ConfigurationError as exc:  # no credentials, no region
            raise ConfigurationError(f"{exc} ({action}; {self._where(action)})") from exc.__cause__
        except SourceError as exc:
            where = self._where(exc.action or action)
            try:
                named = type(exc)(f"{exc} ({where})", resource=exc.resource, action=exc.action, code=exc.code)
            except TypeError:  # a subclass with its own signature: its message stands as it is
                raise exc from exc.__cause__
            raise named from exc.__cause__
        except BootstrapError:
            raise
        except Exception as exc:
            if not type(exc).__module__.startswith("botocore"):
                raise
            raise SourceUnavailableError(
                f"{action} on {resource} failed: {_botocore_reason(exc)} ({self._where(action)})",
                resource=resource,
                action=action,
            ) from None
        finally:
            waiting.stop()

    def _where(self, action: str) -> str:
        return f"endpoint {self.endpoint(action.split(':', 1)[0])}, profile {profile_name()}"


class _Progress:
    """A "still waiting" line after PROGRESS_AFTER seconds, then every PROGRESS_EVERY, until stopped."""

    def __init__(self, say: Callable[[str], None] | None, text: str) -> None:
        self._say, self._text = say, text
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        if say is not None:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        delay = PROGRESS_AFTER
        while not self._stopped.wait(delay):
            if self._say is not None:
                self._say(self._text)
            delay = PROGRESS_EVERY

    def stop(self) -> None:
        self._stopped.set()


def _writes(action: str) -> bool:
    return action.split(":", 1)[-1].startswith(_WRITE_VERBS)


def _botocore_reason(exc: BaseException) -> str:
    """What went wrong, without the body botocore quotes (it is not ours to print)."""
    if type(exc).__name__ == "ResponseParserError":
        return "the answer is not what the API returns (not XML/JSON: a proxy's or gateway's error page?)"
    return f"{type(exc).__name__}"
