"""A stage's parameters in SSM Parameter Store, by path or by a manifest of names.

- by path (default): ``GetParametersByPath``, recursive, decrypted. AWS pages
  it 10 at a time and each page needs the previous page's token, so N
  parameters cost ceil(N/10) *sequential* round trips.
- by manifest (``BOOTSTRAP_SSM_MANIFEST``): the parameter names (not secret)
  are listed in a JSON file shipped in the package, so ceil(N/10)
  ``GetParameters`` calls run *concurrently*: one round trip whatever N is.

Every answer is checked against what was asked: each page must carry its
``Parameters`` list, and every name of a batch must come back either as a
parameter or as invalid (then the load fails naming it). Anything else is a
:class:`SourceError` naming the call.
"""

from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path
from typing import Any

from .errors import ConfigurationError, SourceError, SourceNotFoundError
from .keys import ssm_entries, ssm_env_key
from .merge import Entry
from .retry import LoadRun
from .sources import ClientFor, Task

__all__ = ["GET_PARAMETERS_BATCH", "ParametersByName", "ParametersByPath", "read_manifest", "read_path"]

GET_PARAMETERS_BATCH = 10  # AWS's limit of names per GetParameters call
PAGE_SIZE = 10  # AWS's limit of results per GetParametersByPath page
BY_PATH = "ssm:GetParametersByPath"
BY_NAME = "ssm:GetParameters"


class ParametersByPath:
    """Every parameter under a path, following pagination to the end (one task: pages are sequential)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.label = f"ssm:{path}"
        self.action = BY_PATH

    def tasks(self, client_for: ClientFor) -> list[Task]:
        client = client_for("ssm")

        def fetch(run: LoadRun) -> list[Entry]:
            found = read_path(client, self.path, run)
            if not found:
                raise SourceNotFoundError(
                    f"no parameters under {self.label} (wrong path, region or account?)",
                    resource=self.label,
                    action=BY_PATH,
                )
            return ssm_entries(found, self.path, self.label)

        return [fetch]


class ParametersByName:
    """The manifest's names, ceil(N/10) concurrent ``GetParameters`` calls; every name must exist."""

    def __init__(self, path: str, names: list[str]) -> None:
        self.path = path
        self.label = f"ssm:{path}"
        self.action = BY_NAME
        self.names = names
        for name in names:
            ssm_env_key(name, path)  # a name that cannot load fails before any call

    def tasks(self, client_for: ClientFor) -> list[Task]:
        client = client_for("ssm")
        size = GET_PARAMETERS_BATCH
        return [self._batch(client, self.names[i : i + size]) for i in range(0, len(self.names), size)]

    def _batch(self, client: Any, names: list[str]) -> Task:
        def fetch(run: LoadRun) -> list[Entry]:
            response = run.call(
                lambda: client.get_parameters(Names=names, WithDecryption=True), resource=self.label, action=BY_NAME
            )
            found = _parameters(response, self.label, BY_NAME)
            invalid = response.get("InvalidParameters") or []
            if not isinstance(invalid, list):
                raise SourceError(f"{BY_NAME} for {self.label} answered InvalidParameters that is not a list")
            if invalid:
                raise SourceNotFoundError(
                    f"listed in the SSM manifest but not in SSM: {', '.join(sorted(map(str, invalid)))} "
                    "(push them, or regenerate the manifest)",
                    resource=self.label,
                    action=BY_NAME,
                    code="ParameterNotFound",
                )
            returned = [name for name, _ in found]
            _same_names(set(names), returned, self.label)
            return ssm_entries(found, self.path, self.label)

        return fetch


def read_path(client: Any, path: str, run: LoadRun) -> list[tuple[str, str]]:
    """Every (name, value) under ``path``, recursively, decrypted; [] when there is none."""
    label = f"ssm:{path}"
    found: list[tuple[str, str]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Path": path, "Recursive": True, "WithDecryption": True, "MaxResults": PAGE_SIZE}
        if token:
            kwargs["NextToken"] = token
        page: Any = run.call(partial(client.get_parameters_by_path, **kwargs), resource=label, action=BY_PATH)
        found.extend(_parameters(page, label, BY_PATH))
        token = page.get("NextToken")
        if token is not None and not isinstance(token, str):
            raise SourceError(f"{BY_PATH} for {label} answered a NextToken that is not text", resource=label)
        if not token:
            return found


def read_manifest(manifest: str, path: str, root: Path | None = None) -> list[str]:
    """Full parameter names from a JSON list of names relative to ``path``."""
    file = Path(manifest)
    if not file.is_absolute():
        file = (root or Path(os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd())) / file
    try:
        relative = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"BOOTSTRAP_SSM_MANIFEST {file} does not exist") from None
    except ValueError:
        raise ConfigurationError(f"BOOTSTRAP_SSM_MANIFEST {file} is not valid JSON") from None
    if not isinstance(relative, list) or not relative or not all(isinstance(n, str) and n for n in relative):
        raise ConfigurationError(f"BOOTSTRAP_SSM_MANIFEST {file} must be a non-empty JSON list of names")
    names = [path + name.lstrip("/") for name in relative]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigurationError(f"BOOTSTRAP_SSM_MANIFEST {file} lists a name twice: {', '.join(twice)}")
    return names


def _parameters(answer: Any, label: str, action: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of an answer, which must have the shape AWS documents."""
    parameters = answer.get("Parameters") if isinstance(answer, dict) else None
    if not isinstance(parameters, list):
        raise SourceError(
            f"{action} for {label} answered without a Parameters list: nothing of that answer is used",
            resource=label,
            action=action,
        )
    pairs: list[tuple[str, str]] = []
    for parameter in parameters:
        name = parameter.get("Name") if isinstance(parameter, dict) else None
        value = parameter.get("Value") if isinstance(parameter, dict) else None
        if not isinstance(name, str) or not isinstance(value, str):
            raise SourceError(
                f"{action} for {label} answered a parameter without a Name and a Value", resource=label, action=action
            )
        pairs.append((name, value))
    return pairs


def _same_names(asked: set[str], returned: list[str], label: str) -> None:
    missing = asked - set(returned)
    extra = set(returned) - asked
    if missing or extra or len(returned) != len(set(returned)):
        parts = []
        if missing:
            parts.append(f"left out {', '.join(sorted(missing))}")
        if extra:
            parts.append(f"added {', '.join(sorted(extra))}, which were not asked for")
        if len(returned) != len(set(returned)):
            parts.append("repeated a name")
        raise SourceError(
            f"{BY_NAME} for {label} answered with other names than asked: {'; '.join(parts)}",
            resource=label,
            action=BY_NAME,
        )
