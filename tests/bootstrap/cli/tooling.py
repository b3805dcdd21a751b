"""Helpers of the stage tooling's tests: a project's stages, a CLI runner that captures everything."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_bootstrap.cli import main
from lambda_bootstrap.cli.console import Console

from ..conftest import APP, PATH, FakeAccount

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


def run(*argv: str, stdin: str = "", tty: bool = False) -> Result:
    """``python -m lambda_bootstrap *argv`` in this process, its streams captured."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), Console(out=out, err=err, stdin=_Stdin(stdin, tty)))
    return Result(code, out.getvalue(), err.getvalue())


def write_env(folder: Path, text: str, name: str = ".env.prod") -> str:
    (folder / name).write_text(text, encoding="utf-8")
    return name


def ssm_values(account: FakeAccount, path: str = PATH) -> dict[str, tuple[str, str]]:
    """name -> (type, value) of every parameter under ``path``."""
    pages = account.ssm.get_paginator("get_parameters_by_path").paginate(Path=path, Recursive=True, WithDecryption=True)
    return {p["Name"]: (p["Type"], p["Value"]) for page in pages for p in page["Parameters"]}
