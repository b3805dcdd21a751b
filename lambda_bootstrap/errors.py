"""Exceptions of the bootstrap: one type per thing a caller can do about it.

- :class:`ConfigurationError`: the stage's configuration is wrong (a pointer,
  a key name, a secret's shape, a required key missing, a value its schema
  refuses). Retrying cannot fix it; the configuration must change.
- :class:`SourceError`: an AWS call about one resource failed. Its subclasses
  say what helps: :class:`AccessDeniedError` (grant the IAM action it names),
  :class:`SourceNotFoundError` (create the resource, or fix its name),
  :class:`SourceUnavailableError` (throttling, 5xx, network, the deadline:
  the same call may succeed later). A plain ``SourceError`` is an answer that
  is not what was asked, or a refusal retrying cannot fix.

Every message names the thing that failed (a parameter, a secret, a key, an
IAM action) and never a value: these messages end up in CloudWatch, in Sentry,
on a developer's screen. The botocore error is kept as ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AccessDeniedError",
    "BootstrapError",
    "ConfigurationError",
    "SourceError",
    "SourceNotFoundError",
    "SourceUnavailableError",
]


class BootstrapError(RuntimeError):
    """Base of every error the bootstrap raises: catch this to catch them all."""


class ConfigurationError(BootstrapError):
    """The stage's configuration is wrong; ``keys`` names the environment keys involved, if any."""

    def __init__(self, message: str, *, keys: Iterable[str] = ()) -> None:
        self.keys = tuple(keys)
        super().__init__(message)


class SourceError(BootstrapError):
    """An AWS call about one resource failed: which resource, which IAM action, AWS's error code.

    ``resource`` is a source label (``ssm:/app/prod/``, ``secretsmanager:app/prod/config``) or
    another AWS resource's name, ``action`` the IAM action (``ssm:GetParameters``), ``code``
    AWS's error code where AWS gave one (``ParameterNotFound``), else "".
    """

    def __init__(self, message: str, *, resource: str = "", action: str = "", code: str = "") -> None:
        self.resource = resource
        self.action = action
        self.code = code
        super().__init__(message)


class SourceNotFoundError(SourceError):
    """A declared source, or a name asked for, does not exist (wrong path, id, region or account)."""


class AccessDeniedError(SourceError):
    """The caller may not use a resource: names the resource and the IAM action to grant."""

    def __init__(
        self, resource: str, action: str, *, code: str = "AccessDenied", who: str = "the Lambda's role"
    ) -> None:
        super().__init__(
            f"access denied reading {resource}: {who} needs {action} on it (see `lambda-bootstrap policy <stage>`)",
            resource=resource,
            action=action,
            code=code,
        )


class SourceUnavailableError(SourceError):
    """AWS kept failing (throttling, 5xx, network) until the retries or the deadline ran out.

    ``timed_out`` is True when the load's (or the command's) deadline ended it.
    """

    def __init__(
        self, message: str, *, resource: str = "", action: str = "", code: str = "", timed_out: bool = False
    ) -> None:
        self.timed_out = timed_out
        super().__init__(message, resource=resource, action=action, code=code)
