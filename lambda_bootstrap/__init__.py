"""Stage configuration from SSM Parameter Store and Secrets Manager, at cold start.

The contract, in the order a Lambda container lives it:

1. Zappa's handler imports the Lambda settings module, which calls :func:`load`
   before anything reads ``os.environ``.
2. :func:`load` reads its pointers (``BOOTSTRAP_SSM_PATH``, ``BOOTSTRAP_SECRETS``,
   ...: names, never values) from the environment, fetches every source
   concurrently with deadline-bounded retries, maps names to env keys, checks
   ``BOOTSTRAP_REQUIRED``, and only then exports into ``os.environ``.
3. Any failure raises a :class:`BootstrapError` naming the parameter, secret,
   key or IAM action, never a value, and exports nothing: Django never starts
   half-configured, and Lambda retries the init on the next invocation.
4. Later calls (warm invocations) return the cached :class:`LoadReport` with no
   AWS call. :func:`refresh` re-fetches one secret, for rotation.

With no AWS source declared (local development) :func:`load` does nothing, does
not import boto3 and opens no socket; the settings then read ``.env``.
"""

from .errors import (
    AccessDeniedError,
    BootstrapError,
    BootstrapTimeoutError,
    ConfigurationError,
    InvalidKeyError,
    KeyConflictError,
    MalformedAnswerError,
    MissingKeysError,
    SecretFormatError,
    SourceError,
    SourceNotFoundError,
    SourceRefusedError,
    SourceUnavailableError,
)
from .loader import Bootstrap, current_report, load, refresh, reset
from .report import LoadReport

__all__ = [
    "AccessDeniedError",
    "Bootstrap",
    "BootstrapError",
    "BootstrapTimeoutError",
    "ConfigurationError",
    "InvalidKeyError",
    "KeyConflictError",
    "LoadReport",
    "MalformedAnswerError",
    "MissingKeysError",
    "SecretFormatError",
    "SourceError",
    "SourceNotFoundError",
    "SourceRefusedError",
    "SourceUnavailableError",
    "current_report",
    "load",
    "refresh",
    "reset",
]
