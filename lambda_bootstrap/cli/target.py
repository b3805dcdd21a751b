"""Where push and diff write and compare: the stage's bundle, its SSM path, or one of its secrets.

- The bundle (``BOOTSTRAP_BUNDLE``, the default when a stage declares one):
  one Secrets Manager secret holding a JSON object ``{"KEY": "value"}``,
  exported by the loader key for key as written. Keys must be environment
  names (``[A-Z_][A-Z0-9_]*``), values strings. One ``PutSecretValue`` writes
  the whole object; keys missing from the .env are kept unless ``--prune``.
- SSM (the default without a bundle; ``--ssm`` when a stage has both): each
  .env key is one SecureString parameter ``<path><KEY>``. A key is
  accepted only if the bootstrap would load that parameter back as the same
  key (:func:`lambda_bootstrap.keys.ssm_env_key`), so ``db-host`` or
  ``lower_case`` fail before anything is written. A key already stored under a
  nested name (``db/host`` for ``DB_HOST``) is overwritten in place.
- A secret (``--secret NAME``, one of the stage's ``BOOTSTRAP_SECRETS``): the
  .env keys are the fields of its JSON object, checked by the bootstrap's
  :func:`lambda_bootstrap.keys.expand_secret`. One ``PutSecretValue`` writes
  the object; fields missing from the .env are kept unless ``--prune``.

Both secret targets write through :mod:`.secret_versions` (a write that
another writer raced is detected and reported by key name) and refuse, before
anything is written, a JSON document past Secrets Manager's 65,536 bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..errors import BootstrapError, InvalidKeyError, SecretFormatError, shown_name
from ..keys import ENV_KEY, bundle_entries, expand_secret, json_object, ssm_env_key
from ..merge import merge
from ..settings import SecretSource
from .aws import Aws, SsmParameter
from .console import Console
from .dotenv import DotenvEntry
from .errors import DotenvError, PushInterruptedError, SecretTooLargeError, ToolError
from .plan import Plan
from .secret_versions import SECRET_SIZE_LIMIT, SecretRead, read_secret, write_secret
from .stage import Stage

__all__ = ["BundleTarget", "SecretTarget", "SsmTarget", "Target", "bundle_values", "choose_target"]

_BUNDLE_KEY_RULE = "a bundle key is exported as written: use A-Z, 0-9 and '_', not starting with a digit"


class Target(Protocol):
    label: str

    def desired(self, entries: Sequence[DotenvEntry], file: str) -> dict[str, str]: ...

    def current(self, aws: Aws) -> dict[str, str]: ...

    def prepare(self, plan: Plan, desired: Mapping[str, str], console: Console, prune: bool) -> None:
        """Refuse, before anything is written, what AWS would refuse midway."""

    def apply(self, aws: Aws, plan: Plan, desired: Mapping[str, str], console: Console, prune: bool) -> None: ...


def choose_target(stage: Stage, secret: str | None, ssm: bool = False) -> Target:
    """``--secret NAME``, else ``--ssm``, else the stage's bundle, else its SSM path."""
    settings = stage.bootstrap
    if secret is not None:
        if settings.bundle is not None and secret in {settings.bundle, settings.bundle.rsplit("/", 1)[-1]}:
            return BundleTarget(settings.bundle)
        for source in settings.secrets:
            if secret in {source.secret_id, source.secret_id.rsplit("/", 1)[-1]}:
                return SecretTarget(source)
        known = ", ".join([*([settings.bundle] if settings.bundle else []), *(s.secret_id for s in settings.secrets)])
        raise ToolError(
            f"stage {stage.name!r} does not load secret {secret!r} "
            f"(its BOOTSTRAP_BUNDLE and BOOTSTRAP_SECRETS: {known or 'none'})"
        )
    if ssm:
        if settings.ssm_path is None:
            raise ToolError(f"stage {stage.name!r} has no BOOTSTRAP_SSM_PATH: --ssm has nothing to write to")
        return SsmTarget(settings.ssm_path)
    if settings.bundle is not None:
        return BundleTarget(settings.bundle)
    if settings.ssm_path is None:
        raise ToolError(
            f"stage {stage.name!r} has neither BOOTSTRAP_BUNDLE nor BOOTSTRAP_SSM_PATH; "
            "push to one of its secrets (--secret)"
        )
    return SsmTarget(settings.ssm_path)


def bundle_values(text: str, label: str) -> dict[str, str]:
    """A bundle's ``KEY: value`` pairs, by the loader's own rules (an error names the secret and key, never a value)."""
    return merge(bundle_entries(text, label)).values


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
                raise DotenvError(
                    file, entry.line, f"invalid key {shown_name(entry.key)}: it would load as {shown_name(loaded_as)}"
                )
            if not entry.value:
                raise DotenvError(file, entry.line, f"{shown_name(entry.key)} is empty, and SSM cannot store one")
        return {entry.key: entry.value for entry in entries}

    def current(self, aws: Aws) -> dict[str, str]:
        parameters: dict[str, SsmParameter] = aws.ssm_parameters(self.path)
        self._names = {key: p.name for key, p in parameters.items()}
        return {key: p.value for key, p in parameters.items()}

    def prepare(self, plan: Plan, desired: Mapping[str, str], console: Console, prune: bool) -> None:
        """Nothing to check beyond :meth:`desired`: each key is its own parameter."""

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


class BundleTarget:
    """The stage's bundle: one JSON object, every key an environment name, every value a string."""

    def __init__(self, secret_id: str) -> None:
        self.secret_id = secret_id
        self.label = f"secretsmanager:{secret_id}"
        self._read: SecretRead | None = None
        self._values: dict[str, str] = {}

    def desired(self, entries: Sequence[DotenvEntry], file: str) -> dict[str, str]:
        for entry in entries:
            if not ENV_KEY.fullmatch(entry.key):
                raise DotenvError(file, entry.line, f"invalid key {shown_name(entry.key)}: {_BUNDLE_KEY_RULE}")
        return {entry.key: entry.value for entry in entries}

    def current(self, aws: Aws) -> dict[str, str]:
        self._read = read_secret(aws, self.secret_id, self.label)
        self._values = bundle_values(self._read.text, self.label) if self._read.text is not None else {}
        return dict(self._values)

    def document(self, desired: Mapping[str, str], prune: bool) -> str:
        """The whole object a push writes: what is there (unless --prune), then the file's keys."""
        values = dict(desired) if prune else {**self._values, **desired}
        return json.dumps(dict(sorted(values.items())), ensure_ascii=False, separators=(",", ":"))

    def prepare(self, plan: Plan, desired: Mapping[str, str], console: Console, prune: bool) -> None:
        _check_size(self.label, self.document(desired, prune), console)

    def apply(self, aws: Aws, plan: Plan, desired: Mapping[str, str], console: Console, prune: bool) -> None:
        _write(aws, self._read, self.label, self.document(desired, prune), plan, console, prune)


class SecretTarget:
    def __init__(self, source: SecretSource) -> None:
        self.source = source
        self.label = source.label
        self._read: SecretRead | None = None
        self._fields: dict[str, Any] = {}

    def desired(self, entries: Sequence[DotenvEntry], file: str) -> dict[str, str]:
        for entry in entries:
            try:
                expand_secret(json.dumps({entry.key: ""}), self.source.prefix, self.label)
            except (InvalidKeyError, SecretFormatError) as exc:
                raise DotenvError(file, entry.line, f"invalid field: {exc}") from None
        return {entry.key: entry.value for entry in entries}

    def current(self, aws: Aws) -> dict[str, str]:
        self._read = read_secret(aws, self.source.secret_id, self.label)
        self._fields = _json_object(self._read.text, self.label) if self._read.text is not None else {}
        return {field: _as_text(value) for field, value in self._fields.items()}

    def document(self, plan: Plan, desired: Mapping[str, str], prune: bool) -> str:
        fields: dict[str, Any] = {} if prune else dict(self._fields)
        for field, value in self._fields.items():
            if field in desired and field in plan.unchanged:
                fields[field] = value  # keeps a number a number (RDS writes "port": 5432)
        fields.update({field: desired[field] for field in (*plan.added, *plan.changed)})
        return json.dumps(fields)

    def prepare(self, plan: Plan, desired: Mapping[str, str], console: Console, prune: bool) -> None:
        _check_size(self.label, self.document(plan, desired, prune), console)

    def apply(self, aws: Aws, plan: Plan, desired: Mapping[str, str], console: Console, prune: bool) -> None:
        _write(aws, self._read, self.label, self.document(plan, desired, prune), plan, console, prune)


def _json_object(text: str, label: str) -> dict[str, Any]:
    """The secret's fields, parsed by the loader's own rules (a field given twice is refused there too)."""
    fields = json_object(text, label, what="a secret")
    if fields is None:
        raise SecretFormatError(f"{label} does not hold a JSON object: push writes JSON objects only")
    return fields


def _check_size(label: str, document: str, console: Console) -> None:
    size = len(document.encode("utf-8"))
    if size > SECRET_SIZE_LIMIT:
        raise SecretTooLargeError(
            f"{label} would hold {size:,} bytes of JSON after this push, past Secrets Manager's limit of "
            f"{SECRET_SIZE_LIMIT:,} bytes for a secret value: nothing written "
            "(move large values, e.g. certificates, to a secret of their own in BOOTSTRAP_SECRETS)"
        )
    console.say(f"  {label}: {size:,} of {SECRET_SIZE_LIMIT:,} bytes after this push")


def _write(
    aws: Aws, read: SecretRead | None, label: str, document: str, plan: Plan, console: Console, prune: bool
) -> None:
    if read is None:
        raise ToolError(f"internal: {label} was not read before writing")  # current() always runs first
    keys = plan.writes(prune)
    version = write_secret(aws, read, document, keys)
    verb = "wrote" if read.exists else "created"
    console.note(f"  [1/1] {verb} {label} (version {version}): {len(keys)} key(s) changed")


def _as_text(value: object) -> str:
    """A field as the bootstrap exports it: strings as they are, anything else as JSON text."""
    return value if isinstance(value, str) else json.dumps(value)
