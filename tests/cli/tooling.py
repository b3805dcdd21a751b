"""Helpers of the stage tooling's tests: a project's stages, a CLI runner that captures everything."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_bootstrap_cli import main
from lambda_bootstrap_cli.console import Console
from testsupport.account import APP, PATH, FakeAccount
from testsupport.clocks import FakeClock
from testsupport.secrets import current_text

STAGES: dict[str, Any] = {
    "prod": {
        "project_name": APP,
        "aws_region": "us-east-1",
        "environment_variables": {
            "BOOTSTRAP_SSM_PATH": "/{app}/{stage}/",
            "BOOTSTRAP_SECRETS": "database",
            "BOOTSTRAP_REQUIRED": "SECRET_KEY,ALLOWED_HOSTS",
        },
    },
    "staging": {"extends": "prod", "memory_size": 512},
}
BUNDLE = f"{APP}/prod/config"
# The bundle layout: prod reads one bundle plus its database secret; "moving" still declares its SSM path too.
BUNDLE_STAGES: dict[str, Any] = {
    "prod": {
        "project_name": APP,
        "aws_region": "us-east-1",
        "manage_roles": False,
        "environment_variables": {"BOOTSTRAP_BUNDLE": "config", "BOOTSTRAP_SECRETS": "database"},
    },
    "moving": {
        "project_name": APP,
        "aws_region": "us-east-1",
        "manage_roles": False,
        "environment_variables": {
            "BOOTSTRAP_APP": APP,
            "BOOTSTRAP_STAGE": "prod",
            "BOOTSTRAP_BUNDLE": "config",
            "BOOTSTRAP_SSM_PATH": "/{app}/{stage}/",
        },
    },
}


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class _Stdin(io.StringIO):
    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


CLOCK: FakeClock | None = None  # the fake_clock fixture sets it: every run then backs off on it


def run(*argv: str, stdin: str = "", tty: bool = False) -> Result:
    """``lambda-bootstrap *argv`` in this process, its streams captured."""
    out, err = io.StringIO(), io.StringIO()
    console = Console(out=out, err=err, stdin=_Stdin(stdin, tty))
    if CLOCK is None:
        return _result(main(list(argv), console), out, err)
    return _result(main(list(argv), console, clock=CLOCK, sleep=CLOCK.sleep), out, err)


def _result(code: int, out: io.StringIO, err: io.StringIO) -> Result:
    return Result(code, out.getvalue(), err.getvalue())


def write_env(folder: Path, text: str, name: str = ".env.prod") -> str:
    (folder / name).write_text(text, encoding="utf-8")
    return name


def ssm_values(account: FakeAccount, path: str = PATH) -> dict[str, tuple[str, str]]:
    """name -> (type, value) of every parameter under ``path``."""
    pages = account.ssm.get_paginator("get_parameters_by_path").paginate(Path=path, Recursive=True, WithDecryption=True)
    return {p["Name"]: (p["Type"], p["Value"]) for page in pages for p in page["Parameters"]}


def use_stages(folder: Path, stages: dict[str, Any]) -> None:
    """Replace the project's zappa_settings.json with ``stages``."""
    (folder / "zappa_settings.json").write_text(json.dumps(stages, indent=4), encoding="utf-8")


def bundle_text(account: FakeAccount, secret_id: str = BUNDLE) -> str:
    """What the secret's AWSCURRENT version holds (the tool moves the label; see testsupport/secrets.py)."""
    return current_text(account.secrets, secret_id)


def bundle(account: FakeAccount, secret_id: str = BUNDLE) -> dict[str, Any]:
    return dict(json.loads(bundle_text(account, secret_id)))


def check_rows(output: str) -> dict[str, str]:
    """check's rows: name -> PASS, FAIL, SKIP or WARN."""
    rows = (line.split() for line in output.splitlines())
    return {parts[1]: parts[0] for parts in rows if len(parts) >= 2 and parts[0] in {"PASS", "FAIL", "SKIP", "WARN"}}


def labels(account: FakeAccount, secret_id: str = BUNDLE) -> dict[str, list[str]]:
    """The staging labels on each version of a secret."""
    return dict(account.secrets.describe_secret(SecretId=secret_id)["VersionIdsToStages"])
