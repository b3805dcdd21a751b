"""Where push and diff write and compare: the stage's SSM path, or one of its secrets.

- SSM: each .env key is one SecureString parameter ``<path><KEY>``. A key is
  accepted only if the bootstrap would load that parameter back as the same
  key (:func:`lambda_bootstrap.keys.ssm_env_key`), so ``db-host`` or
  ``lower_case`` fail before anything is written. A key already stored under a
  nested name (``db/host`` for ``DB_HOST``) is overwritten in place.
- A secret (``--secret NAME``, one of the stage's ``BOOTSTRAP_SECRETS``): the
  .env keys are the fields of its JSON object, checked by the bootstrap's
  :func:`lambda_bootstrap.keys.expand_secret`. One ``PutSecretValue`` writes
  the object; fields missing from the .env are kept unless ``--prune``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..errors import BootstrapError, InvalidKeyError, SecretFormatError
from ..keys import expand_secret, ssm_env_key
from ..settings import SecretSource
from .aws import Aws, SsmParameter
from .console import Console
from .dotenv import DotenvEntry
from .errors import DotenvError, PushInterruptedError, ToolError
from .plan import Plan
from .stage import Stage

__all__ = ["SecretTarget", "SsmTarget", "Target", "choose_target"]


class Target(Protocol):
    label: str

    def desired(self, entries: Sequence[DotenvEntry], file: str) -> dict[str, str]: ...

    def current(self, aws: Aws) -> dict[str, str]: ...

    def apply(self, aws: Aws, plan: Plan, desired: Mapping[str, str], console: Console, prune: bool) -> None: ...


def choose_target(stage: Stage, secret: str | None) -> Target:
    if secret is None:
        if stage.bootstrap.ssm_path is None:
            raise ToolError(f"stage {stage.name!r} has no BOOTSTRAP_SSM_PATH; push to one of its secrets (--secret)")
        return SsmTarget(stage.bootstrap.ssm_path)
    for source in stage.bootstrap.secrets:
        if secret in {source.secret_id, source.secret_id.rsplit("/", 1)[-1]}:
            return SecretTarget(source)
    known = ", ".join(s.secret_id for s in stage.bootstrap.secrets) or "none"
    raise ToolError(f"stage {stage.name!r} does not load secret {secret!r} (its BOOTSTRAP_SECRETS: {known})")


class SsmTarget:
    def __init__(self, path: str) -> None:
        self.path = path
        self.label = f"ssm:{path}"
        self._names: dict[str, str] = {}

    def desired(self, entries: Sequence[DotenvEntry], file: str) -> dict[str, str]:
        for entry in entries:
            try:
                loaded_as = ssm_env_key(self.path + entry.key, self.path)
            except InvalidKeyError as exc:
                raise DotenvError(file, entry.line, f"invalid key: {exc}") from None
            if loaded_as != entry.key:
                raise DotenvError(file, entry.line, f"invalid key {entry.key}: it would load as {loaded_as}")
            if not entry.value:
                raise DotenvError(file, entry.line, f"{entry.key} is empty, and SSM cannot store an empty value")
        return {entry.key: entry.value for entry in entries}

    def current(self, aws: Aws) -> dict[str, str]:
        parameters: dict[str, SsmParameter] = aws.ssm_parameters(self.path)
        self._names = {key: p.name for key, p in parameters.items()}
        return {key: p.value for key, p in parameters.items()}

    def apply(self, aws: Aws, plan: Plan, desired: Mapping[str, str], console: Console, prune: bool) -> None:
        client = aws.client("ssm")
        keys = plan.writes(prune)
        done: list[str] = []
        for number, key in enumerate(keys, start=1):
            name = self._names.get(key, self.path + key)
            try:
                if key in desired:
                    aws.call(
                        lambda name=name, value=desired[key]: client.put_parameter(  # type: ignore[misc]
                            Name=name, Value=value, Type="SecureString", Overwrite=True
                        ),
                        resource=f"ssm:{name}",
                        action="ssm:PutParameter",
                    )
                    verb = "put"
                else:
                    aws.call(
                        lambda name=name: client.delete_parameter(Name=name),  # type: ignore[misc]
                        resource=f"ssm:{name}",
                        action="ssm:DeleteParameter",
                    )
                    verb = "deleted"
            except (BootstrapError, KeyboardInterrupt) as exc:
                raise PushInterruptedError(self.label, done, keys[len(done) :], exc) from exc
            done.append(key)
            console.note(f"  [{number}/{len(keys)}] {verb} {key}")


class SecretTarget:
    def __init__(self, source: SecretSource) -> None:
        self.source = source
        self.label = source.label
        self._fields: dict[str, Any] | None = None

    def desired(self, entries: Sequence[DotenvEntry], file: str) -> dict[str, str]:
        for entry in entries:
            try:
                expand_secret(json.dumps({entry.key: ""}), self.source.prefix, self.label)
            except (InvalidKeyError, SecretFormatError) as exc:
                raise DotenvError(file, entry.line, f"invalid field: {exc}") from None
        return {entry.key: entry.value for entry in entries}

    def current(self, aws: Aws) -> dict[str, str]:
        self._fields = aws.secret_fields(self.source.secret_id)
        return {field: _as_text(value) for field, value in (self._fields or {}).items()}

    def apply(self, aws: Aws, plan: Plan, desired: Mapping[str, str], console: Console, prune: bool) -> None:
        fields: dict[str, Any] = {} if prune else dict(self._fields or {})
        for field, value in (self._fields or {}).items():
            if field in desired and field in plan.unchanged:
                fields[field] = value  # keeps a number a number (RDS writes "port": 5432)
        fields.update({field: desired[field] for field in (*plan.added, *plan.changed)})
        document = json.dumps(fields)
        client = aws.client("secretsmanager")
        secret_id = self.source.secret_id
        keys = plan.writes(prune)
        try:
            if self._fields is None:
                aws.call(
                    lambda: client.create_secret(Name=secret_id, SecretString=document),
                    resource=self.label,
                    action="secretsmanager:CreateSecret",
                )
            else:
                aws.call(
                    lambda: client.put_secret_value(SecretId=secret_id, SecretString=document),
                    resource=self.label,
                    action="secretsmanager:PutSecretValue",
                )
        except (BootstrapError, KeyboardInterrupt) as exc:
            raise PushInterruptedError(self.label, (), keys, exc) from exc
        console.note(f"  [1/1] wrote {self.label}: {len(keys)} field(s) changed")


def _as_text(value: object) -> str:
    """A field as the bootstrap exports it: strings as they are, anything else as JSON text."""
    return value if isinstance(value, str) else json.dumps(value)
