"""Exceptions of the bootstrap.

Every error names the thing that failed (a parameter name, a secret id, an
environment key, an IAM action) and never a value: these messages end up in
CloudWatch, in Sentry, on a developer's screen. The original botocore error is
kept as ``__cause__`` where there is one, so nothing of the diagnosis is lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "AccessDeniedError",
    "BootstrapError",
    "BootstrapTimeoutError",
    "ConfigurationError",
    "InvalidKeyError",
    "KeyConflictError",
    "MalformedAnswerError",
    "MissingKeysError",
    "SecretFormatError",
    "SourceError",
    "SourceNotFoundError",
    "SourceRefusedError",
    "SourceUnavailableError",
    "shown_name",
]


class BootstrapError(RuntimeError):
    """Base of every error the bootstrap raises: catch this to catch them all."""


class ConfigurationError(BootstrapError):
    """A ``BOOTSTRAP_*`` setting is malformed or points at nothing."""


class InvalidKeyError(BootstrapError):
    """A parameter name or secret field cannot become an environment key."""

    def __init__(self, name: str, source: str, reason: str, *, resource_name: bool = False) -> None:
        """``resource_name``: ``name`` is an AWS resource's own name (an SSM parameter's), shown whole."""
        self.name = name
        self.source = source
        shown = repr(name) if resource_name else shown_name(name, quoted=True)
        super().__init__(f"{shown} from {source} cannot become an environment key: {reason}")


SHOWN_NAME_LENGTH = 32
_NAME_LIKE = re.compile(r"[A-Za-z0-9_./-]+")


def shown_name(name: str, *, quoted: bool = False) -> str:
    """A name as a message may show it: whole when it looks like a name, else only its length.

    A malformed key is often a value in the wrong place (a wrapped line of a .env, base64 on
    a line of its own, ``KEY=value`` typed as a JSON key). Only a short name in one case
    (``db-host``, ``API_TOKEN``, ``/app/prod/db/host``) is echoed; mixed case, as base64 and
    random tokens have, is not.
    """
    letters = "".join(c for c in name if c.isalpha())
    one_case = letters.isupper() or letters.islower() or not letters
    if len(name) <= SHOWN_NAME_LENGTH and _NAME_LIKE.fullmatch(name) and one_case:
        return repr(name) if quoted else name
    return f"a name of {len(name)} characters (not shown: it may be a value)"


class KeyConflictError(BootstrapError):
    """Two fetched values would land on the same environment key: one error names every such pair."""

    def __init__(self, key: str, first: str, second: str, *others: tuple[str, str, str]) -> None:
        self.key = key
        self.conflicts = ((key, first, second), *others)
        described = "; ".join(f"environment key {k} is produced by both {a} and {b}" for k, a, b in self.conflicts)
        super().__init__(f"{described}; rename one of each pair (the bootstrap never picks one silently)")


class MissingKeysError(BootstrapError):
    """Required keys are absent after loading: one error lists all of them."""

    def __init__(self, missing: Iterable[str], looked_in: Iterable[str]) -> None:
        self.missing = tuple(sorted(missing))
        where = ", ".join(looked_in) or "the process environment only (no AWS source configured)"
        super().__init__(
            f"required configuration missing: {', '.join(self.missing)} "
            f"(looked in {where}, and the process environment)"
        )


class SourceError(BootstrapError):
    """An AWS call about one resource failed; says which resource, which action, AWS's error code.

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


class SourceRefusedError(SourceError):
    """AWS refused the call for a reason retrying cannot fix (validation, a disabled key, ...)."""


class AccessDeniedError(SourceRefusedError):
    """The caller may not read a source: names the resource and the IAM action."""

    def __init__(
        self, resource: str, action: str, *, code: str = "AccessDenied", who: str = "the Lambda's role"
    ) -> None:
        super().__init__(
            f"access denied reading {resource}: {who} needs {action} on it "
            "(see `python -m lambda_bootstrap policy <stage>`)",
            resource=resource,
            action=action,
            code=code,
        )


class MalformedAnswerError(SourceError):
    """AWS answered (HTTP 200) but not what was asked: a name missing, a field absent, a wrong shape."""


class SecretFormatError(BootstrapError):
    """A value is present but not in a form the bootstrap can export."""


class SourceUnavailableError(SourceError):
    """AWS kept failing (throttling, 5xx, network) until the retries or the deadline ran out."""


class BootstrapTimeoutError(SourceUnavailableError):
    """The whole load did not finish inside its deadline (Lambda's init is 10 s)."""
