"""AWS for the tooling: one session in the stage's region, every call through ``retry.call_aws``.

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

import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .. import ssm
from ..clients import drop_body_logging
from ..errors import (
    AccessDeniedError,
    BootstrapError,
    BootstrapTimeoutError,
    ConfigurationError,
    SecretFormatError,
    SourceError,
    SourceNotFoundError,
    SourceUnavailableError,
)
from ..keys import ssm_env_key
from ..retry import CallStats, Deadline, call_aws
from .errors import AwsSetupError, OperatorAccessDeniedError, ToolError

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
    """How long one AWS call may take (retries included), and where "still waiting" lines go."""

    timeout: float = DEFAULT_TIMEOUT
    progress: Callable[[str], None] | None = None


_CALL_SETTINGS: ContextVar[CallSettings | None] = ContextVar("call_settings", default=None)


def _current_settings() -> CallSettings:
    return _CALL_SETTINGS.get() or CallSettings()


def call_settings(flag: float | None, environ: Mapping[str, str], progress: Callable[[str], None]) -> CallSettings:
    """The deadline from ``--timeout``, else ``BOOTSTRAP_CLI_TIMEOUT``, else 60 s; bad values name their source."""
    if flag is not None:
        source, raw = TIMEOUT_FLAG, str(flag)
    else:
        source, raw = TIMEOUT_VARIABLE, environ.get(TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return CallSettings(DEFAULT_TIMEOUT, progress)
    try:
        timeout = float(raw)
    except ValueError:
        raise ToolError(f"{source} must be a number of seconds") from None
    if not 1.0 <= timeout <= 3600.0:
        raise ToolError(f"{source} must be between 1 and 3600 seconds")
    return CallSettings(timeout, progress)


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


@dataclass
class Aws:
    region: str
    max_attempts: int
    stats: CallStats = field(default_factory=CallStats)
    settings: CallSettings = field(default_factory=_current_settings)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _session: Any = field(default=None, repr=False)
    _caller: str | None = field(default=None, repr=False)

    @property
    def profile(self) -> str:
        name = os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
        return f"{name} (AWS_PROFILE)" if name else "default"

    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3
            from botocore.config import Config
            from botocore.exceptions import BotoCoreError, ProfileNotFound

            config = Config(
                connect_timeout=min(CONNECT_TIMEOUT, self.settings.timeout),
                read_timeout=self.settings.timeout,
                retries={"total_max_attempts": 1},  # call_aws retries
            )
            drop_body_logging()  # request bodies hold the values push writes
            try:
                if self._session is None:
                    self._session = boto3.session.Session(region_name=self.region)
                self._clients[service] = self._session.client(service, config=config)
            except ProfileNotFound:
                raise AwsSetupError(
                    f"cannot make a {service} client: profile {self.profile} is in no AWS config file "
                    "(check its spelling, or `aws configure --profile NAME`)"
                ) from None
            except ValueError as exc:
                raise AwsSetupError(
                    f"cannot make a {service} client with profile {self.profile}: the endpoint is malformed "
                    f"({_endpoint_setting(service)}: {exc})"
                ) from None
            except BotoCoreError as exc:
                raise AwsSetupError(
                    f"cannot make a {service} client with profile {self.profile}: {type(exc).__name__}: {exc}"
                ) from None
        return self._clients[service]

    def endpoint(self, service: str) -> str:
        client = self._clients.get(service)
        return str(client.meta.endpoint_url) if client is not None else f"{service} in {self.region}"

    def call(self, operation: Callable[[], T], *, resource: str, action: str) -> T:
        service = action.split(":", 1)[0]
        where = f"endpoint {self.endpoint(service)}, profile {self.profile}"
        waiting = _Progress(
            self.settings.progress,
            f"still waiting for {action} on {resource} ({where}); giving up after "
            f"{self.settings.timeout:g} s ({TIMEOUT_FLAG} or {TIMEOUT_VARIABLE})",
        )
        try:
            return call_aws(
                operation,
                resource=resource,
                action=action,
                deadline=Deadline(self.settings.timeout),
                max_attempts=self.max_attempts,
                stats=self.stats,
            )
        except AccessDeniedError as exc:
            raise OperatorAccessDeniedError(
                resource, action, code=exc.code, who=self.caller(), where=where, write=_writes(action)
            ) from exc.__cause__
        except BootstrapTimeoutError as exc:
            raise SourceUnavailableError(
                f"{action} on {resource} got no answer within {self.settings.timeout:g} s ({where}; "
                f"set the deadline with {TIMEOUT_FLAG} or {TIMEOUT_VARIABLE})",
                resource=resource,
                action=action,
                code=exc.code,
            ) from exc.__cause__
        except ConfigurationError as exc:  # no credentials, no region
            raise ConfigurationError(f"{exc} ({action}; {where})") from exc.__cause__
        except SourceError as exc:
            try:
                named = type(exc)(f"{exc} ({where})", resource=resource, action=action, code=exc.code)
            except TypeError:  # a subclass with its own signature: its message stands as it is
                raise exc from exc.__cause__
            raise named from exc.__cause__
        except BootstrapError:
            raise
        except Exception as exc:
            if not type(exc).__module__.startswith("botocore"):
                raise
            raise SourceUnavailableError(
                f"{action} on {resource} failed: {_botocore_reason(exc)} ({where})", resource=resource, action=action
            ) from None
        finally:
            waiting.stop()

    def caller(self) -> str:
        """The ARN of the credentials in use, for "who was refused"; never raises."""
        if self._caller is None:
            try:
                sts = self.client("sts")
                answer = call_aws(
                    sts.get_caller_identity,
                    resource="caller identity",
                    action="sts:GetCallerIdentity",
                    deadline=Deadline(min(10.0, self.settings.timeout)),
                    max_attempts=2,
                    stats=self.stats,
                )
                self._caller = str(answer["Arn"])
            except Exception as exc:  # the denial is the error to report, not this
                self._caller = f"the caller (sts:GetCallerIdentity failed: {type(exc).__name__})"
        return self._caller

    def ssm_parameters(self, path: str) -> dict[str, SsmParameter]:
        """Every parameter under ``path`` by the env key it loads as; none is not an error here."""
        client = self.client("ssm")

        def call(operation: Callable[[], Any], action: str) -> Any:
            return self.call(operation, resource=f"ssm:{path}", action=action)

        try:
            found = ssm.by_path(client, path, call)
        except SourceNotFoundError:
            return {}
        ssm.to_env(found, path)  # the bootstrap's checks: invalid names and two names on one key fail here
        return {ssm_env_key(name, path): SsmParameter(name, value) for name, value in found}

    def secret_fields(self, secret_id: str) -> dict[str, Any] | None:
        """The JSON object a secret holds, or None when the secret does not exist yet."""
        client = self.client("secretsmanager")
        label = f"secretsmanager:{secret_id}"
        try:
            response = self.call(
                lambda: client.get_secret_value(SecretId=secret_id),
                resource=label,
                action="secretsmanager:GetSecretValue",
            )
        except SourceNotFoundError:
            return None
        text = response.get("SecretString")
        if text is None:
            raise SecretFormatError(f"{label} is a binary secret: push writes JSON objects only")
        try:
            fields = json.loads(text)
        except ValueError:
            raise SecretFormatError(f"{label} does not hold a JSON object: push writes JSON objects only") from None
        if not isinstance(fields, dict):
            raise SecretFormatError(f"{label} does not hold a JSON object: push writes JSON objects only")
        return fields


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


def _endpoint_setting(service: str) -> str:
    specific = f"AWS_ENDPOINT_URL_{service.upper()}"
    return specific if os.environ.get(specific) else "AWS_ENDPOINT_URL"


def _botocore_reason(exc: BaseException) -> str:
    """What went wrong, without the body botocore quotes (it is not ours to print)."""
    if type(exc).__name__ == "ResponseParserError":
        return "the answer is not what the API returns (not XML/JSON: a proxy's or gateway's error page?)"
    return f"{type(exc).__name__}"
