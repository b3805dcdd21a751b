"""Exceptions of the bootstrap.

Every error names the thing that failed (a parameter name, a secret id, an
environment key, an IAM action) and never a value: these messages end up in
CloudWatch, in Sentry, on a developer's screen. The original botocore error is
kept as ``__cause__`` where there is one, so nothing of the diagnosis is lost.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AccessDeniedError",
    "BootstrapError",
    "BootstrapTimeoutError",
    "ConfigurationError",
    "InvalidKeyError",
    "KeyConflictError",
    "MissingKeysError",
    "SecretFormatError",
    "SourceNotFoundError",
    "SourceUnavailableError",
]


class BootstrapError(RuntimeError):
    """Base of every error the bootstrap raises: catch this to catch them all."""


class ConfigurationError(BootstrapError):
    """A ``BOOTSTRAP_*`` setting is malformed or points at nothing."""


class InvalidKeyError(BootstrapError):
    """A parameter name or secret field cannot become an environment key."""

    def __init__(self, name: str, source: str, reason: str) -> None:
        self.name = name
        self.source = source
        super().__init__(f"{name!r} from {source} cannot become an environment key: {reason}")


class KeyConflictError(BootstrapError):
    """Two fetched values would land on the same environment key."""

    def __init__(self, key: str, first: str, second: str) -> None:
        self.key = key
        super().__init__(
            f"environment key {key} is produced by both {first} and {second}; "
            "rename one of them (the bootstrap never picks one silently)"
        )


class MissingKeysError(BootstrapError):
    """Required keys are absent after loading: one error lists all of them."""

    def __init__(self, missing: Iterable[str], looked_in: Iterable[str]) -> None:
        self.missing = tuple(sorted(missing))
        where = ", ".join(looked_in) or "the process environment only (no AWS source configured)"
        super().__init__(
            f"required configuration missing: {', '.join(self.missing)} "
            f"(looked in {where}, and the process environment)"
        )


class AccessDeniedError(BootstrapError):
    """The Lambda role may not read a source: names the resource and the IAM action."""

    def __init__(self, resource: str, action: str) -> None:
        self.resource = resource
        self.action = action
        super().__init__(
            f"access denied reading {resource}: the Lambda's role needs {action} on it "
            "(see `python -m lambda_bootstrap policy <stage>`)"
        )


class SourceNotFoundError(BootstrapError):
    """A declared source does not exist (wrong path, id, region or account)."""


class SecretFormatError(BootstrapError):
    """A value is present but not in a form the bootstrap can export."""


class SourceUnavailableError(BootstrapError):
    """AWS kept failing (throttling, 5xx, network) until the retry budget ran out."""


class BootstrapTimeoutError(SourceUnavailableError):
    """The whole load did not finish inside its deadline (Lambda's init is 10 s)."""
