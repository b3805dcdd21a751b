"""Fake AWS credentials and nothing of a real profile: for this process and for the processes it starts.

Every test and benchmark talks to moto (in-process or its server), never to a
real account: these variables make sure a boto3 client could not find real
credentials even if one were configured on the machine.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

__all__ = ["FAKE_AWS", "FAKE_CREDENTIALS", "NO_LOCAL_AWS", "ROOT", "child_environment", "use_fake_aws"]

ROOT = Path(__file__).resolve().parents[1]

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# No local AWS configuration, no instance metadata service: nothing real to fall back on.
NO_LOCAL_AWS = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
FAKE_AWS = {
    **FAKE_CREDENTIALS,
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    **NO_LOCAL_AWS,
}
_PROFILE = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL")
_DROPPED = {"DJANGO_SETTINGS_MODULE", "STAGE", "PROJECT"}


def use_fake_aws(environ: MutableMapping[str, str] = os.environ) -> None:
    """Fake credentials in ``environ``; no profile and no endpoint left from the caller's shell."""
    environ.update(FAKE_AWS)
    for key in _PROFILE:
        environ.pop(key, None)


def child_environment(endpoint: str, *, ca_bundle: str | None = None, **extra: str) -> dict[str, str]:
    """This process's environment with fake AWS credentials, boto3 pointed at ``endpoint``, no BOOTSTRAP_*.

    ``ca_bundle``: the roots an https ``endpoint`` is verified against (``AWS_CA_BUNDLE``).
    """
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED and not k.startswith(("BOOTSTRAP_", "AWS_"))}
    env.update(FAKE_AWS, AWS_ENDPOINT_URL=endpoint)
    if ca_bundle:
        env["AWS_CA_BUNDLE"] = ca_bundle
    env.update(extra)
    return env
