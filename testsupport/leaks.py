"""One leak scan for every test: a secret in any of the forms a log, a header or a digest would show it.

A value can reach output transformed: URL-escaped (a query string, a signed
URL), lower-cased (a canonical request lower-cases header names, a log
formatter may lower-case), base64 (a body, a basic-auth header), or as its
SHA-256 (``botocore.auth`` logs the digest of each request body, from which a
short value is recovered by brute force). :func:`leak_forms` lists them all
and :func:`assert_nothing_leaked` looks for each in each text. A failure names
the secret's label, the form and where, never the value.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

__all__ = ["MIN_LENGTH", "Leak", "assert_nothing_leaked", "canary", "find_leaks", "leak_forms"]

MIN_LENGTH = 6  # shorter values ("3600", "true") would match by chance: only their SHA-256 is looked for


@dataclass(frozen=True)
class Leak:
    secret: str  # the label of the secret, not its value
    form: str
    where: str

    def __str__(self) -> str:
        return f"{self.secret} ({self.form}) in {self.where}"


def canary(label: str) -> str:
    """A unique value that changes under URL-escaping and lower-casing, so every form is distinct."""
    return f"Cnry-{label}-{secrets.token_hex(6)}/Zq+{secrets.token_hex(6)}"


def leak_forms(value: str) -> dict[str, str]:
    """form name -> the text that form of ``value`` shows (case-sensitive forms; see :func:`find_leaks`)."""
    raw = value.encode()
    digest = hashlib.sha256(raw).digest()
    forms = {
        "plain": value,
        "url-escaped": quote(value, safe=""),
        "form-escaped": quote_plus(value, safe=""),
        "base64": base64.b64encode(raw).decode().rstrip("="),
        "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "sha256-base64": base64.b64encode(digest).decode().rstrip("="),
    }
    for shift in (0, 1, 2):  # inside a longer base64 text (a Basic auth header, an encoded body)
        middle = base64.b64encode(b"\0" * shift + raw).decode()[4 if shift else 0 : -4]
        if len(middle) >= 8:
            forms[f"base64 within a longer text (offset {shift})"] = middle
    return forms


def _lowered_forms(value: str) -> dict[str, str]:
    """Forms matched against the lower-cased text: case changes (and hex digests) are caught either way."""
    return {
        "lower-cased": value.lower(),
        "url-escaped, lower-cased": quote(value, safe="").lower(),
        "sha256-hex": hashlib.sha256(value.encode()).hexdigest(),
    }


def find_leaks(secrets_by_label: Mapping[str, str], texts: Mapping[str, str]) -> list[Leak]:
    """Every (secret, form, text) where a form of a secret of MIN_LENGTH+ characters appears."""
    leaks: list[Leak] = []
    for where, text in texts.items():
        lowered = text.lower()
        for label, value in secrets_by_label.items():
            if not value:
                continue
            short = len(value) < MIN_LENGTH  # only its digests are long enough not to match by chance
            forms = {k: v for k, v in leak_forms(value).items() if not short or k.startswith("sha256")}
            lowered_forms = {k: v for k, v in _lowered_forms(value).items() if not short or k.startswith("sha256")}
            leaks += [Leak(label, form, where) for form, shown in forms.items() if shown in text]
            leaks += [Leak(label, form, where) for form, shown in lowered_forms.items() if shown in lowered]
    return leaks


def assert_nothing_leaked(secrets_by_label: Mapping[str, str] | Iterable[str], *texts: str, **named: str) -> None:
    """No form of any secret in any text. Secrets: label -> value, or bare values (labelled by position)."""
    labelled = (
        dict(secrets_by_label)
        if isinstance(secrets_by_label, Mapping)
        else {f"secret #{index}": value for index, value in enumerate(secrets_by_label)}
    )
    where = {f"text #{index}": text for index, text in enumerate(texts)} | named
    leaks = find_leaks(labelled, where)
    assert not leaks, "secret(s) leaked: " + "; ".join(sorted({str(leak) for leak in leaks}))
