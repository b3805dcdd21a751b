"""Where a write lands: the stage's bundle, its SSM path, or one of its secrets.

- The bundle (``BOOTSTRAP_BUNDLE``, the default when a stage declares one):
  one Secrets Manager secret holding a JSON object ``{"KEY": "value"}``,
  exported by the loader key for key as written. One write replaces the whole
  object; keys missing from the .env are kept unless ``--prune``.
- SSM (the default without a bundle; ``--ssm`` when a stage has both): each
  key is one SecureString parameter ``<path><KEY>``. A key is accepted only if
  the bootstrap would load that parameter back as the same key, so ``db-host``
  fails before anything is written. A key already stored under a nested name
  (``db/host`` for ``DB_HOST``) is overwritten in place.
- A secret (``--secret NAME``, one of the stage's ``BOOTSTRAP_SECRETS``): the
  .env keys are the fields of its JSON object. Fields missing from the .env
  are kept unless ``--prune``.

Each target reads what it holds now leniently (a stage poisoned with a value
the loader refuses can still be read, and repaired), and turns what it would
hold after a write into entries with the loader's own parser
(:meth:`Target.entries`), so :mod:`.validation` judges the write by the rules
of the next cold start. Secret targets write by compare-and-swap
(:mod:`.secret_write`); an SSM write whose answer never comes is reported as
such, with the keys written, the key that may have landed and those not written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from lambda_bootstrap.dotenv import DotenvEntry
from lambda_bootstrap.errors import BootstrapError, ConfigurationError, SourceNotFoundError
from lambda_bootstrap.keys import bundle_entries, json_object, secret_entries, ssm_entries, ssm_env_key
from lambda_bootstrap.merge import Entry
from lambda_bootstrap.rules import ENV_KEY, shown_name
from lambda_bootstrap.settings import SecretSource

from .aws import Aws, SsmParameter
from .change import Change
from .console import Console
from .errors import ToolError, WriteOutcomeUnknownError, WriteStoppedError
from .journal import outcome_unknown
from .plan import Plan
from .secret_versions import SECRET_SIZE_LIMIT, SecretRead, read_secret
from .secret_write import SecretChange, write_secret
from .stage import Stage

__all__ = [
    "BundleTarget",
    "JsonSecretTarget",
    "SecretTarget",
    "SsmTarget",
    "Target",
    "as_text",
    "choose_secret_target",
    "choose_target",
]

_BUNDLE_KEY_RULE = "a bundle key is exported as written: use A-Z, 0-9 and '_', not starting with a digit"


class Target(Protocol):
    label: str
    selector: str  # the options that choose this target (" --ssm", " --secret NAME"; "" for the bundle)

    def desired(self, entries: Sequence[DotenvEntry], file: str) -> dict[str, str]:
        """The file's keys for this target; a key it cannot hold is refused by line."""

    def current(self, aws: Aws) -> dict[str, str]:
        """What the target holds now, key by key (values the loader would refuse included)."""

    def after(self, plan: Plan, desired: Mapping[str, str], prune: bool) -> dict[str, Any]:
        """What the target would hold after writing ``plan``."""

    def entries(self, after: Mapping[str, Any]) -> list[Entry]:
        """``after`` as the cold start would load it (its parser's errors: the write is refused)."""

    def prepare(self, after: Mapping[str, Any], console: Console) -> None:
        """Refuse, before anything is written, what AWS would refuse midway."""

    def apply(self, aws: Aws, change: Change, console: Console) -> None:
        """Write ``change``; raise saying what landed, what may have, and what did not."""


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
            "write to one of its secrets (--secret)"
        )
    return SsmTarget(settings.ssm_path)


def choose_secret_target(stage: Stage, secret: str | None, command: str) -> JsonSecretTarget:
    """The bundle, or ``--secret NAME``: the targets Secrets Manager keeps versions of."""
    target = choose_target(stage, secret)
    if not isinstance(target, JsonSecretTarget):
        raise ToolError(
            f"{command} works on Secrets Manager versions, and stage {stage.name!r} has no BOOTSTRAP_BUNDLE: "
            "pass --secret NAME (SSM keeps each parameter's own history: aws ssm get-parameter-history)"
        )
    return target


class SsmTarget:
    selector = " --ssm"

    def __init__(self, path: str) -> None:
        self.path = path
        self.label = f"ssm:{path}"
        self._names: dict[str, str] = {}
        self._current: dict[str, str] = {}

    def desired(self, entries: Sequence[DotenvEntry], file: str) -> dict[str, str]:
        for entry in entries:
            try:
                loaded_as = ssm_env_key(self.path + entry.key, self.path)
            except ConfigurationError as exc:
                raise ToolError(f"{file}, line {entry.line}: invalid key: {exc}") from None
            if loaded_as != entry.key:
                raise ToolError(
                    f"{file}, line {entry.line}: invalid key {shown_name(entry.key)}: "
                    f"it would load as {shown_name(loaded_as)}"
                )
            if not entry.value:
                raise ToolError(f"{file}, line {entry.line}: {entry.key} is empty, and SSM cannot store one")
        return {entry.key: entry.value for entry in entries}

    def current(self, aws: Aws) -> dict[str, str]:
        parameters: dict[str, SsmParameter] = aws.ssm_parameters(self.path)
        self._names = {key: p.name for key, p in parameters.items()}
        self._current = {key: p.value for key, p in parameters.items()}
        return dict(self._current)

    def after(self, plan: Plan, desired: Mapping[str, str], prune: bool) -> dict[str, Any]:
        return _after(self._current, plan, desired, prune)

    def entries(self, after: Mapping[str, Any]) -> list[Entry]:
        named = [(self._names.get(key, self.path + key), str(value)) for key, value in after.items()]
        return ssm_entries(named, self.path, self.label)

    def prepare(self, after: Mapping[str, Any], console: Console) -> None:
        """Nothing to check beyond :meth:`desired`: each key is its own parameter."""

    def apply(self, aws: Aws, change: Change, console: Console) -> None:
        client = aws.client("ssm")
        keys, after = change.keys, change.after
        done: list[str] = []
        for number, key in enumerate(keys, start=1):
            name = self._names.get(key, self.path + key)
            try:
                if key in after:
                    value = str(after[key])
                    aws.call(
                        lambda name=name, value=value: client.put_parameter(  # type: ignore[misc]
                            Name=name, Value=value, Type="SecureString", Overwrite=True
                        ),
                        resource=f"ssm:{name}",
                        action="ssm:PutParameter",
                    )
                    verb = "put"
                else:
                    _delete_parameter(aws, client, name)
                    verb = "deleted"
            except (BootstrapError, KeyboardInterrupt) as exc:
                left = keys[len(done) + 1 :]
                if outcome_unknown(exc):
                    raise WriteOutcomeUnknownError(
                        self.label,
                        f"the {'put' if key in after else 'delete'} of {key}",
                        exc,
                        change.find_out(self.selector, history=False),
                        written=done,
                        unknown=[key],
                        not_written=left,
                    ) from exc
                raise WriteStoppedError(self.label, done, keys[len(done) :], exc) from exc
            done.append(key)
            console.note(f"  [{number}/{len(keys)}] {verb} {key}")


def _delete_parameter(aws: Aws, client: Any, name: str) -> None:
    """DeleteParameter; a parameter already gone is deleted (a retry whose first answer was lost, or another writer)."""
    try:
        aws.call(lambda: client.delete_parameter(Name=name), resource=f"ssm:{name}", action="ssm:DeleteParameter")
    except SourceNotFoundError:
        return


class JsonSecretTarget:
    """A Secrets Manager secret holding one JSON object: read leniently, written by compare-and-swap."""

    shape = "a secret"

    def __init__(self, secret_id: str, label: str, selector: str) -> None:
        self.secret_id = secret_id
        self.label = label
        self.selector = selector
        self._read: SecretRead | None = None
        self._fields: dict[str, Any] = {}

    def current(self, aws: Aws) -> dict[str, str]:
        self._read = read_secret(aws, self.secret_id, self.label)
        self._fields = self.fields(self._read)
        return {key: as_text(value) for key, value in self._fields.items()}

    @property
    def read(self) -> SecretRead:
        """The version :meth:`current` read (AWSCURRENT then)."""
        if self._read is None:
            raise ToolError(f"internal: {self.label} was not read")  # current() always runs first
        return self._read

    def fields(self, read: SecretRead) -> dict[str, Any]:
        """The secret's fields by the loader's JSON rules (a field given twice is refused there too); {} if none."""
        if read.text is None:
            return {}
        fields = json_object(read.text, self.label, what=self.shape)
        if fields is None:
            raise ToolError(
                f"{self.label} is {self.shape}, so it must hold a JSON object; it does not, and is never written over"
            )
        return fields

    def entries(self, after: Mapping[str, Any]) -> list[Entry]:
        """``after`` as the cold start would load it (each kind of secret its own way)."""
        raise NotImplementedError

    def after(self, plan: Plan, desired: Mapping[str, str], prune: bool) -> dict[str, Any]:
        return self.arranged(_after(self._fields, plan, desired, prune))

    def arranged(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        return dict(fields)

    def render(self, fields: Mapping[str, Any]) -> str:
        return json.dumps(dict(fields))

    def prepare(self, after: Mapping[str, Any], console: Console) -> None:
        _check_size(self.label, self.render(after), console)

    def apply(self, aws: Aws, change: Change, console: Console) -> None:
        written = write_secret(
            aws,
            self.read,
            SecretChange(
                keys=change.keys,
                after=change.after,
                rebase=lambda fields: self.arranged(_after(fields, change.plan, change.desired, change.prune)),
                render=self.render,
                parse=self.fields,
                recheck=lambda fields, after: change.recheck({k: as_text(v) for k, v in fields.items()}, after),
                find_out=change.find_out(self.selector, history=True),
                kms_key=change.kms_key,
            ),
            console,
        )
        verb = "created" if written.created else "wrote"
        console.note(f"  [1/1] {verb} {self.label} (version {written.version_id}): {len(change.keys)} key(s) changed")


class BundleTarget(JsonSecretTarget):
    """The stage's bundle: one JSON object, every key an environment name, every value a string."""

    shape = "a bundle"

    def __init__(self, secret_id: str) -> None:
        super().__init__(secret_id, f"secretsmanager:{secret_id}", "")

    def desired(self, entries: Sequence[DotenvEntry], file: str) -> dict[str, str]:
        for entry in entries:
            if not ENV_KEY.fullmatch(entry.key):
                raise ToolError(f"{file}, line {entry.line}: invalid key {shown_name(entry.key)}: {_BUNDLE_KEY_RULE}")
        return {entry.key: entry.value for entry in entries}

    def entries(self, after: Mapping[str, Any]) -> list[Entry]:
        return bundle_entries(self.render(after), self.label)

    def arranged(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        return dict(sorted(fields.items()))

    def render(self, fields: Mapping[str, Any]) -> str:
        """Compact and sorted by key: the 64 KB go to values, and versions compare line by line."""
        return json.dumps(dict(fields), ensure_ascii=False, separators=(",", ":"))


class SecretTarget(JsonSecretTarget):
    """One of the stage's ``BOOTSTRAP_SECRETS``: its fields are the file's keys."""

    def __init__(self, source: SecretSource) -> None:
        super().__init__(source.secret_id, source.label, f" --secret {source.secret_id}")
        self.source = source

    def desired(self, entries: Sequence[DotenvEntry], file: str) -> dict[str, str]:
        for entry in entries:
            try:
                secret_entries(json.dumps({entry.key: ""}), self.source.prefix, self.label)
            except ConfigurationError as exc:
                raise ToolError(f"{file}, line {entry.line}: invalid field: {exc}") from None
        return {entry.key: entry.value for entry in entries}

    def entries(self, after: Mapping[str, Any]) -> list[Entry]:
        return secret_entries(self.render(after), self.source.prefix, self.label)


def _after(fields: Mapping[str, Any], plan: Plan, desired: Mapping[str, str], prune: bool) -> dict[str, Any]:
    """A JSON secret's fields after ``plan``: untouched fields exactly as stored (a number stays a number, and
    a list stays a list, for the rules to judge), changed and added ones from the file, pruned ones gone."""
    after = {field: value for field, value in fields.items() if not (prune and field in plan.removed)}
    after.update({field: desired[field] for field in (*plan.added, *plan.changed)})
    return after


def _check_size(label: str, document: str, console: Console) -> None:
    size = len(document.encode("utf-8", "surrogatepass"))
    if size > SECRET_SIZE_LIMIT:
        raise ToolError(
            f"{label} would hold {size:,} bytes of JSON after this write, past Secrets Manager's limit of "
            f"{SECRET_SIZE_LIMIT:,} bytes for a secret value: nothing written "
            "(move large values, e.g. certificates, to a secret of their own in BOOTSTRAP_SECRETS)"
        )
    console.say(f"  {label}: {size:,} of {SECRET_SIZE_LIMIT:,} bytes after this write")


def as_text(value: object) -> str:
    """A field as the bootstrap exports it: strings as they are, anything else as JSON text."""
    return value if isinstance(value, str) else json.dumps(value)
