"""Stage configuration from Secrets Manager and SSM Parameter Store, at cold start.

The contract, in the order a Lambda container lives it:

1. The Lambda settings module calls :func:`load` before anything reads ``os.environ``.
2. :func:`load` reads its pointers (``BOOTSTRAP_BUNDLE``, ``BOOTSTRAP_SECRETS``,
   ``BOOTSTRAP_SSM_PATH``, ...: names, never values) from the environment, fetches
   every source concurrently with deadline-bounded retries, maps names to keys,
   checks what the stage may hold (:mod:`.rules`), and only then exports into
   ``os.environ``.
3. Any failure raises a :class:`BootstrapError` naming the parameter, secret, key or
   IAM action, never a value, and exports nothing: Django never starts
   half-configured, and Lambda retries the init on the next invocation.
4. Later calls (warm invocations) return the cached :class:`LoadReport` with no AWS
   call. :func:`refresh` re-fetches one secret, for rotation.

With no AWS source declared (local development) :func:`load` does nothing, does not
import boto3 and opens no socket. The operator tool (push, check, roll, ...) is a
separate package, ``lambda-bootstrap-cli``; the Django integration is
:mod:`lambda_bootstrap.django` (``pip install lambda-bootstrap[django]``).
"""

from .errors import (
    AccessDeniedError,
    BootstrapError,
    ConfigurationError,
    SourceError,
    SourceNotFoundError,
    SourceUnavailableError,
)
from .loader import Bootstrap, current_report, load, refresh
from .report import LoadReport

__version__ = "1.0.0"

__all__ = [
    "AccessDeniedError",
    "Bootstrap",
    "BootstrapError",
    "ConfigurationError",
    "LoadReport",
    "SourceError",
    "SourceNotFoundError",
    "SourceUnavailableError",
    "current_report",
    "load",
    "refresh",
]
