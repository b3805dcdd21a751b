"""Which KMS key encrypts a secret, and whether it is the stage's own (``lambda_bootstrap.kms_key``).

A stage may name a customer-managed key (an id, an ARN, an alias or an alias
ARN). DescribeSecret answers with the key as it was given, or with nothing for
AWS's managed key ``aws/secretsmanager``, so two names of one key are compared
through ``kms:DescribeKey`` when their text differs. ``push`` creates secrets
with the stage's key and moves an existing secret to it before writing
(``UpdateSecret KmsKeyId``: Secrets Manager re-encrypts the labelled versions);
``check`` says which key encrypts each secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lambda_bootstrap.errors import BootstrapError

from .aws import Aws
from .console import Console
from .errors import ToolError
from .secret_versions import SecretRead

__all__ = ["AWS_MANAGED", "key_in_use", "same_key", "use_stage_key"]

AWS_MANAGED = "alias/aws/secretsmanager"


def key_in_use(description: Mapping[str, Any]) -> str:
    """The key a DescribeSecret answer names, AWS's managed key when it names none."""
    return str(description.get("KmsKeyId") or AWS_MANAGED)


def same_key(aws: Aws, declared: str, used: str) -> bool:
    """Whether ``used`` (as DescribeSecret names it) is the key ``declared``; asks KMS when their names differ.

    Raises ToolError when KMS cannot tell (never guesses "the same").
    """
    if _short(declared) == _short(used):
        return True
    return _key_arn(aws, declared) == _key_arn(aws, used)


def use_stage_key(aws: Aws, read: SecretRead, description: Mapping[str, Any], declared: str, console: Console) -> None:
    """Move the secret to the stage's key before a write, saying so (nothing to do when it uses it already)."""
    used = key_in_use(description)
    try:
        if same_key(aws, declared, used):
            return
    except ToolError:
        pass  # cannot tell: setting the stage's key again is harmless
    client = aws.client("secretsmanager")
    console.note(f"  {read.label}: encrypted with {used}, not the stage's kms_key {declared}: switching it first")
    aws.call(
        lambda: client.update_secret(SecretId=read.secret_id, KmsKeyId=declared),
        resource=read.label,
        action="secretsmanager:UpdateSecret",
    )


def _short(key: str) -> str:
    """``key/ID`` or ``alias/NAME`` from an ARN; a bare id as ``key/ID``."""
    if key.startswith("arn:"):
        return key.split(":", 5)[-1]
    return key if key.startswith("alias/") else f"key/{key}"


def _key_arn(aws: Aws, key: str) -> str:
    client = aws.client("kms")
    try:
        answer = aws.call(lambda: client.describe_key(KeyId=key), resource=f"KMS key {key}", action="kms:DescribeKey")
    except BootstrapError as exc:
        raise ToolError(f"cannot tell which KMS key {key} is: {exc}") from exc
    return str(answer["KeyMetadata"]["Arn"])
