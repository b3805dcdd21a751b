"""A project's keys, declared once: each key's type and per-stage rules.

The one place where a project names the keys its settings read. Settings read
through it (typed values; a bad one stops start-up naming the key and the rule
it breaks, never the value), and the operator tool validates against it before
anything is written (``push``) or rolled (``roll``), and in ``check``, whatever
the settings style: plain ``os.environ``, django-environ or
django-configurations can declare a schema and read through it, or only
declare it::

    from lambda_bootstrap.schema import Boolean, Integer, Schema, Text

    class Keys(Schema):
        SECRET_KEY = Text(required=True, min_length=50, min_distinct=5, unique=True, stages={"local": Text()})
        DEBUG = Boolean(default=False)
        CONN_MAX_AGE = Integer(minimum=0, default=0)

    SECRET_KEY = Keys.SECRET_KEY.read()      # a str; DEBUG = Keys.DEBUG.read() is a bool

The stage is ``STAGE`` from the environment (Zappa's handler sets it; so does
``lambda-bootstrap exec``), or ``local`` when there is none: a developer's
machine. ``stages={"local": ...}`` (or any stage name) replaces a key's rules for
that stage. The tool finds the schema through the stage's
``"lambda_bootstrap": {"schema": "package.module:Keys"}`` in zappa_settings.json;
the module must import nothing but this one (the tool imports it without Django).

This module imports nothing beyond the standard library.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from .errors import ConfigurationError
from .values import is_blank, parse_bool

__all__ = [
    "LOCAL",
    "Boolean",
    "Choice",
    "DatabaseUrl",
    "Integer",
    "Json",
    "Key",
    "List",
    "Schema",
    "SchemaCheck",
    "Text",
    "Url",
]

T = TypeVar("T")
LOCAL = "local"  # the stage of a process no Zappa stage runs: a developer's machine


class _Missing:
    def __repr__(self) -> str:
        return "<no default>"


MISSING: Any = _Missing()


class Key(Generic[T]):
    """One key: its type's parser, whether a deployed stage must set it, and per-stage replacements.

    ``required``: a stage must set it (the tool refuses a push that would leave it unset).
    ``unique``: no two stages may hold the same value (``check`` compares, never printing one).
    ``default``: what :meth:`read` returns when the key is unset.
    """

    kind = "a value"

    def __init__(
        self,
        *,
        required: bool = False,
        unique: bool = False,
        default: T | _Missing = MISSING,
        stages: Mapping[str, Key[T]] | None = None,
    ) -> None:
        self.name = ""
        self.required = required
        self.unique = unique
        self.default = default
        self.stages = dict(stages or {})

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        for replacement in self.stages.values():
            replacement.__set_name__(owner, name)

    def for_stage(self, stage: str) -> Key[T]:
        """The key's rules in ``stage``."""
        return self.stages.get(stage, self)

    def describe(self) -> str:
        """What the rule checks, in words: a message names it, never the value."""
        return self.kind

    def parse(self, raw: str) -> T:
        """The typed value of ``raw`` (stripped, not blank); ConfigurationError naming the key and the rule."""
        raise NotImplementedError

    def read(self, default: T | _Missing = MISSING, *, environ: Mapping[str, str] | None = None) -> T:
        """The key's typed value in the process environment, by the current stage's rules."""
        environ = os.environ if environ is None else environ
        stage = environ.get("STAGE", "").strip() or LOCAL
        key = self.for_stage(stage)
        raw = environ.get(self.name, "")
        if not is_blank(raw):
            return key.parse(raw.strip())
        for fallback in (default, key.default):
            if not isinstance(fallback, _Missing):
                return fallback
        if key.required:
            raise ConfigurationError(
                f"{self.name} is required in stage {stage} but not set: settings read the process environment "
                "only; on Lambda the bootstrap fills it from the stage's sources (lambda-bootstrap check <stage>)",
                keys=[self.name],
            )
        raise ConfigurationError(f"{self.name} is not set, and has no default in stage {stage}", keys=[self.name])

    def _refuse(self, rule: str | None = None) -> ConfigurationError:
        return ConfigurationError(f"{self.name} must be {rule or self.describe()}", keys=[self.name])


class Text(Key[str]):
    """Text of at least ``min_length`` characters, ``min_distinct`` of them different (a secret's floor)."""

    def __init__(self, *, min_length: int = 1, min_distinct: int = 1, **options: Any) -> None:
        super().__init__(**options)
        self.min_length = min_length
        self.min_distinct = min_distinct

    def describe(self) -> str:
        rules = ["text"]
        if self.min_length > 1:
            rules.append(f"at least {self.min_length} characters")
        if self.min_distinct > 1:
            rules.append(f"at least {self.min_distinct} different characters")
        return ", ".join(rules)

    def parse(self, raw: str) -> str:
        if len(raw) < self.min_length or len(set(raw)) < self.min_distinct:
            raise self._refuse()
        return raw


class Boolean(Key[bool]):
    kind = "a boolean (true/false, 1/0, yes/no, on/off)"

    def parse(self, raw: str) -> bool:
        value = parse_bool(raw)
        if value is None:
            raise self._refuse()
        return value


class Integer(Key[int]):
    def __init__(self, *, minimum: int | None = None, maximum: int | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.minimum, self.maximum = minimum, maximum

    def describe(self) -> str:
        bounds = []
        if self.minimum is not None:
            bounds.append(f"at least {self.minimum}")
        if self.maximum is not None:
            bounds.append(f"at most {self.maximum}")
        return "an integer" + (f" ({', '.join(bounds)})" if bounds else "")

    def parse(self, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise self._refuse() from None
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise self._refuse()
        return value


class List(Key[list[str]]):
    """Comma-separated items, each stripped, empty ones dropped; at least ``min_items`` of them."""

    def __init__(self, *, min_items: int = 1, **options: Any) -> None:
        super().__init__(**options)
        self.min_items = min_items

    def describe(self) -> str:
        return f"a comma-separated list of at least {self.min_items} item(s)"

    def parse(self, raw: str) -> list[str]:
        items = [item.strip() for item in raw.split(",") if item.strip()]
        if len(items) < self.min_items:
            raise self._refuse()
        return items


class Choice(Key[str]):
    """One of ``choices``, compared upper-cased (as log levels are)."""

    def __init__(self, *choices: str, **options: Any) -> None:
        super().__init__(**options)
        self.choices = tuple(c.upper() for c in choices)

    def describe(self) -> str:
        return f"one of {', '.join(self.choices)}"

    def parse(self, raw: str) -> str:
        value = raw.upper()
        if value not in self.choices:
            raise self._refuse()
        return value


class Url(Key[str]):
    """A URL with a scheme (one of ``schemes``, if given) and a host."""

    def __init__(self, *, schemes: Sequence[str] = (), **options: Any) -> None:
        super().__init__(**options)
        self.schemes = tuple(s.lower() for s in schemes)

    def describe(self) -> str:
        which = f"{'/'.join(self.schemes)} " if self.schemes else ""
        return f"a {which}URL with a host (scheme://host/...)"

    def parse(self, raw: str) -> str:
        try:
            parts = urlsplit(raw)
            ok = bool(parts.scheme and parts.hostname) and (parts.port is None or parts.port >= 0)
        except ValueError:  # a port that is not a number, a malformed IPv6 host
            ok = False
        if not ok or (self.schemes and parts.scheme.lower() not in self.schemes):
            raise self._refuse()
        return raw


class DatabaseUrl(Url):
    """A database URL (``postgres://user:password@host:5432/name``); SQLite's ``sqlite:///path`` has no host."""

    def describe(self) -> str:
        which = "/".join(self.schemes) or "database"
        return f"a {which} URL naming a database (scheme://user:password@host:port/name)"

    def parse(self, raw: str) -> str:
        try:
            parts = urlsplit(raw)
            scheme = parts.scheme.lower()
            if scheme.startswith("sqlite"):
                ok = bool(parts.path.strip("/")) or raw.endswith(":memory:")
            else:
                ok = bool(parts.hostname and parts.path.strip("/")) and (parts.port is None or parts.port > 0)
        except ValueError:
            ok = False
        if not ok or (self.schemes and scheme not in self.schemes):
            raise self._refuse()
        return raw


class Json(Key[Any]):
    kind = "JSON"

    def parse(self, raw: str) -> Any:
        try:
            return json.loads(raw)
        except RecursionError:
            raise self._refuse("JSON nested less deeply") from None
        except ValueError as exc:
            line, column = getattr(exc, "lineno", "?"), getattr(exc, "colno", "?")
            raise self._refuse(f"JSON (it does not parse at line {line}, column {column})") from None


@dataclass
class SchemaCheck:
    """A stage's values against its schema: what parsed, what did not, what is missing, what is undeclared."""

    checked: list[str] = field(default_factory=list)  # "KEY (its rule)"
    failures: list[str] = field(default_factory=list)  # a value its rule refuses, by key and rule
    missing: list[str] = field(default_factory=list)  # messages: a required key, unset
    missing_keys: list[str] = field(default_factory=list)
    undeclared: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [*self.failures, *self.missing]


class Schema:
    """Subclass it and declare each key as a class attribute (a :class:`Key`)."""

    @classmethod
    def keys(cls) -> dict[str, Key[Any]]:
        """Every declared key by name, base classes' first."""
        found: dict[str, Key[Any]] = {}
        for klass in reversed(cls.__mro__):
            found.update({name: value for name, value in vars(klass).items() if isinstance(value, Key)})
        return found

    @classmethod
    def check(cls, values: Mapping[str, str], stage: str, environment: Mapping[str, str] | None = None) -> SchemaCheck:
        """The stage's values against ``stage``'s rules: each declared key parsed, each required one present.

        ``values``: what the stage's sources hold; ``environment``: the function's own variables, which
        count as set (and are parsed) but are never reported as undeclared.
        """
        result = SchemaCheck()
        final = {**(environment or {}), **values}
        for name, declared in cls.keys().items():
            key = declared.for_stage(stage)
            raw = final.get(name, "")
            if is_blank(raw):
                if key.required and isinstance(key.default, _Missing):
                    result.missing.append(f"{name} is required in stage {stage} ({key.describe()}) but not set")
                    result.missing_keys.append(name)
                continue
            try:
                key.parse(raw.strip())
            except ConfigurationError as exc:
                result.failures.append(str(exc))
            else:
                result.checked.append(f"{name} ({key.describe()})")
        result.undeclared = sorted(set(values) - set(cls.keys()))
        return result
