"""Fetch a stage's parameters from SSM Parameter Store.

Two ways, chosen by ``BOOTSTRAP_SSM_MANIFEST``:

- by path (default): ``GetParametersByPath``, recursive, decrypted. AWS pages
  it 10 at a time and each page needs the previous page's token, so N
  parameters cost ceil(N/10) *sequential* round trips.
- by manifest: the parameter names (not secret) are listed in a JSON file
  shipped in the package, so ceil(N/10) ``GetParameters`` calls run
  *concurrently*: one round trip whatever N is. A name listed but absent in
  SSM fails the load, naming it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ConfigurationError, SourceNotFoundError
from .keys import ssm_env_key

__all__ = ["GET_PARAMETERS_BATCH", "by_names", "by_path", "read_manifest", "to_env"]

GET_PARAMETERS_BATCH = 10  # AWS's limit of names per GetParameters call
PAGE_SIZE = 10  # AWS's limit of results per GetParametersByPath page

Call = Callable[..., Any]


def by_path(client: Any, path: str, call: Call) -> list[tuple[str, str]]:
    """Every parameter under ``path``, recursively, following pagination to the end."""
    found: list[tuple[str, str]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Path": path, "Recursive": True, "WithDecryption": True, "MaxResults": PAGE_SIZE}
        if token:
            kwargs["NextToken"] = token
        page = call(lambda kwargs=kwargs: client.get_parameters_by_path(**kwargs), action="ssm:GetParametersByPath")
        found.extend((p["Name"], p["Value"]) for p in page.get("Parameters", []))
        token = page.get("NextToken")
        if not token:
            break
    if not found:
        raise SourceNotFoundError(f"no parameters under ssm:{path} (wrong path, region or account?)")
    return found


def by_names(client: Any, names: list[str], call: Call) -> list[tuple[str, str]]:
    """One ``GetParameters`` call (at most 10 full names); every name must exist."""
    response = call(lambda: client.get_parameters(Names=names, WithDecryption=True), action="ssm:GetParameters")
    invalid = response.get("InvalidParameters") or []
    if invalid:
        raise SourceNotFoundError(
            f"listed in the SSM manifest but not in SSM: {', '.join(sorted(invalid))} "
            "(push them, or regenerate the manifest)"
        )
    return [(p["Name"], p["Value"]) for p in response.get("Parameters", [])]


def read_manifest(manifest: str, path: str) -> list[str]:
    """Full parameter names from a JSON list of names relative to ``path``."""
    file = Path(manifest)
    if not file.is_absolute():
        file = Path(os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()) / file
    try:
        relative = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"BOOTSTRAP_SSM_MANIFEST {file} does not exist") from None
    except ValueError:
        raise ConfigurationError(f"BOOTSTRAP_SSM_MANIFEST {file} is not valid JSON") from None
    if not isinstance(relative, list) or not relative or not all(isinstance(n, str) and n for n in relative):
        raise ConfigurationError(f"BOOTSTRAP_SSM_MANIFEST {file} must be a non-empty JSON list of names")
    return [path + name.lstrip("/") for name in relative]


def to_env(parameters: list[tuple[str, str]], path: str) -> dict[str, str]:
    """Map parameters to env keys; two names on one key is an error naming both."""
    from .errors import KeyConflictError

    env: dict[str, str] = {}
    origin: dict[str, str] = {}
    for name, value in parameters:
        key = ssm_env_key(name, path)
        if key in env:
            raise KeyConflictError(key, f"ssm:{origin[key]}", f"ssm:{name}")
        env[key] = value
        origin[key] = name
    return env
