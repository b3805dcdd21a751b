"""The benchmark's stages in moto: N SSM parameters and K secrets, and what each variant is told.

The SSM side depends only on N and the secrets only on K, so each is seeded
once (``/bench/n100/``, ``bench/k5/s0`` ...) and every (N, K) cell combines
one of each. Parameters alternate String and SecureString, and one in three
sits two levels down (``svc/db/p0002``), so recursion and decryption are both
exercised. Secrets alternate a JSON object (four fields) and a plain string.
The bundle layout (the stages' default) holds the same N values in one secret
(``bench/n100/bundle``, a JSON object) next to the K secrets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Cell", "SecretSpec", "bundle_id", "parameter_names", "secret_specs", "seed"]

APP = "bench"


@dataclass(frozen=True)
class SecretSpec:
    secret_id: str
    prefix: str
    is_json: bool


@dataclass(frozen=True)
class Cell:
    """One (N parameters, K secrets) combination and the files its children read."""

    n: int
    k: int
    manifest: Path

    @property
    def label(self) -> str:
        return f"N={self.n} K={self.k}"

    @property
    def ssm_path(self) -> str:
        return f"/{APP}/n{self.n}/"

    @property
    def bundle_id(self) -> str:
        return bundle_id(self.n)

    def spec(self) -> dict[str, Any]:
        """What a child process needs to run any variant against this cell (names only, no value)."""
        return {
            "ssm_path": self.ssm_path,
            "bundle": self.bundle_id,
            "parameters": [self.ssm_path + name for name in parameter_names(self.n)],
            "secrets": [vars(s) for s in secret_specs(self.k)],
            "manifest": str(self.manifest),
        }

    def bootstrap_environment(self, layout: str) -> dict[str, str]:
        """The ``BOOTSTRAP_*`` pointers that make ``load()`` read this cell: "bundle", "manifest" or "path"."""
        env = {"BOOTSTRAP_SECRETS": ",".join(f"{s.prefix}={s.secret_id}" for s in secret_specs(self.k))}
        if layout == "bundle":
            env["BOOTSTRAP_BUNDLE"] = self.bundle_id
        else:
            env["BOOTSTRAP_SSM_PATH"] = self.ssm_path
        if layout == "manifest":
            env["BOOTSTRAP_SSM_MANIFEST"] = str(self.manifest)
        return env


def parameter_names(n: int) -> list[str]:
    """Names relative to the stage path: ``p0000``, ``svc/db/p0002`` (one in three nested)."""
    return [f"svc/db/p{i:04d}" if i % 3 == 2 else f"p{i:04d}" for i in range(n)]


def bundle_id(n: int) -> str:
    return f"{APP}/n{n}/bundle"


def secret_specs(k: int) -> list[SecretSpec]:
    return [SecretSpec(f"{APP}/k{k}/s{i}", f"S{i}", is_json=i % 2 == 0) for i in range(k)]


def seed(moto_url: str, ns: list[int], ks: list[int], workdir: Path) -> list[Cell]:
    """Put every stage the matrix needs into moto (directly, not through the slow proxy)."""
    import boto3

    ssm = boto3.client("ssm", endpoint_url=moto_url)
    secrets = boto3.client("secretsmanager", endpoint_url=moto_url)
    for n in ns:
        bundle = {}
        for i, name in enumerate(parameter_names(n)):
            value = f"value-{n}-{i}-" + "v" * 40
            ssm.put_parameter(
                Name=f"/{APP}/n{n}/{name}", Value=value, Type="SecureString" if i % 2 else "String", Overwrite=True
            )
            bundle[name.replace("/", "_").upper()] = value
        secrets.create_secret(Name=bundle_id(n), SecretString=json.dumps(bundle))
        manifest = workdir / f"manifest-n{n}.json"
        manifest.write_text(json.dumps(parameter_names(n)), encoding="utf-8")
    for k in ks:
        for spec in secret_specs(k):
            secret: Any = (
                {"username": "app", "password": "p" * 32, "host": "db.internal", "port": 5432}
                if spec.is_json
                else "t" * 48
            )
            secrets.create_secret(Name=spec.secret_id, SecretString=json.dumps(secret) if spec.is_json else secret)
    return [Cell(n, k, workdir / f"manifest-n{n}.json") for n in ns for k in ks]
