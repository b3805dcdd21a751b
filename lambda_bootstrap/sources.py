"""What a stage's configuration is read from: one interface for every layout.

A source knows its label, the IAM action its calls need, its AWS work (as
independent tasks that may run concurrently) and how the answers map to
entries, and it verifies that every answer holds everything it asked for: an answer of HTTP 200 that
lacks a requested name, a page or a field is an error naming the call, never
a smaller configuration. :func:`sources_for` turns a stage's settings into its
sources; the cold-start load, ``refresh`` and ``check`` all use it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from .merge import Entry
from .retry import LoadRun
from .settings import BootstrapSettings

__all__ = ["ClientFor", "Source", "Task", "sources_for"]

ClientFor = Callable[[str], Any]  # service name -> boto3 client
Task = Callable[[LoadRun], list[Entry]]  # one independent unit of AWS work


class Source(Protocol):
    label: str
    action: str  # the IAM action its calls need, for messages and policies

    def tasks(self, client_for: ClientFor) -> list[Task]:
        """The source's AWS work, split into tasks that can run concurrently."""
        ...


def sources_for(settings: BootstrapSettings, root: Path | None = None) -> list[Source]:
    """The stage's sources in the order of ``settings.source_labels``.

    ``root`` is the folder a relative ``BOOTSTRAP_SSM_MANIFEST`` is read from
    (default: ``LAMBDA_TASK_ROOT``, else the working directory).
    """
    from .secretsmanager import BundleSecret, StageSecret
    from .ssm import ParametersByName, ParametersByPath, read_manifest

    sources: list[Source] = []
    if settings.ssm_path is not None:
        if settings.ssm_manifest is None:
            sources.append(ParametersByPath(settings.ssm_path))
        else:
            names = read_manifest(settings.ssm_manifest, settings.ssm_path, root)
            sources.append(ParametersByName(settings.ssm_path, names))
    if settings.bundle is not None:
        sources.append(BundleSecret(settings.bundle))
    for secret in settings.secrets:
        sources.append(StageSecret(secret, settings.binary_secrets_as_base64))
    return sources
