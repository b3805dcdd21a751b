"""A fake AWS account for the bootstrap's and the tool's tests: seeds SSM and Secrets Manager, remembers values.

Tests assert that no seeded value ever shows (in a log, an error, a message), so
the account keeps every value it seeds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from testsupport.leaks import assert_nothing_leaked

__all__ = ["APP", "PATH", "SEEDED_KEYS", "STAGE", "FakeAccount"]

APP = "shop"
STAGE = "prod"
PATH = f"/{APP}/{STAGE}/"
# Keys the tests seed, which tests/django_settings.py also put in the process environment.
SEEDED_KEYS = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}


@dataclass
class FakeAccount:
    """Seeds SSM and Secrets Manager, remembering every value so tests can assert none leaks."""

    ssm: Any
    secrets: Any
    seeded_values: list[str] = field(default_factory=list)

    def parameter(self, name: str, value: str, kind: str = "SecureString") -> None:
        self.ssm.put_parameter(Name=name, Value=value, Type=kind, Overwrite=True)
        self.seeded_values.append(value)

    def parameters(self, values: dict[str, str], kind: str = "SecureString") -> None:
        for relative, value in values.items():
            self.parameter(PATH + relative, value, kind)

    def secret(self, name: str, value: str | dict[str, Any] | bytes) -> None:
        if isinstance(value, bytes):
            self.secrets.create_secret(Name=name, SecretBinary=value)
            self.seeded_values.append(value.decode("latin-1"))
            return
        text = value if isinstance(value, str) else json.dumps(value)
        self.secrets.create_secret(Name=name, SecretString=text)
        if isinstance(value, dict):
            self.seeded_values.extend(str(v) for v in value.values() if len(str(v)) >= 6)
        else:
            self.seeded_values.append(text)

    def assert_nothing_leaked(self, *texts: str) -> None:
        """No seeded value (of 6+ characters, so not a port or a bare word), in any form, is in any text."""
        assert_nothing_leaked(self.seeded_values, *texts)
