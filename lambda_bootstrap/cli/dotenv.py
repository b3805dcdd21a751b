"""A strict reader of .env files, for push and diff.

Strict because a slip here lands in production: a line that is not
``KEY=value`` is an error naming its line number (never echoing the line: it
may hold a secret), as is a key given twice. What it accepts:

- blank lines and lines starting with ``#``;
- ``KEY=value`` with an optional ``export`` in front; whitespace around the key
  and the unquoted value is dropped, and `` #`` starts a comment in an unquoted
  value;
- ``'single quoted'`` values taken literally, ``"double quoted"`` values with
  ``\\n``, ``\\t``, ``\\r``, ``\\"`` and ``\\\\`` escapes; both may span lines.

There is no ``${VAR}`` interpolation: a value is pushed exactly as written.
Whether a key *name* is acceptable is not decided here but by the bootstrap's
own rules (:mod:`lambda_bootstrap.keys`), where the key will be loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import DotenvError

__all__ = ["DotenvEntry", "parse_dotenv", "read_dotenv"]

_KEY_SYNTAX = re.compile(r"[^\s=#'\"]+")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass(frozen=True)
class DotenvEntry:
    key: str
    value: str
    line: int

    def __repr__(self) -> str:  # a value must never reach a log or a traceback
        return f"DotenvEntry(key={self.key!r}, line={self.line})"


def read_dotenv(path: str) -> list[DotenvEntry]:
    """The entries of the file at ``path``, in file order."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DotenvError(path, 0, "no such file") from None
    except UnicodeDecodeError:
        raise DotenvError(path, 0, "not UTF-8 text") from None
    return parse_dotenv(text, path)


def parse_dotenv(text: str, file: str = ".env") -> list[DotenvEntry]:
    lines = text.splitlines()
    entries: list[DotenvEntry] = []
    seen: dict[str, int] = {}
    index = 0
    while index < len(lines):
        number = index + 1
        stripped = lines[index].strip()
        index += 1
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("export ") or stripped.startswith("export\t"):
            stripped = stripped[len("export") :].lstrip()
        key, equals, rest = stripped.partition("=")
        key = key.strip()
        if not equals:
            raise DotenvError(file, number, "expected KEY=value (no '=' found)")
        if not _KEY_SYNTAX.fullmatch(key):
            raise DotenvError(file, number, "expected KEY=value (the key is empty or holds spaces or quotes)")
        rest = rest.lstrip()
        if rest[:1] in {"'", '"'}:
            value, index = _quoted(rest, lines, index, file, number)
        else:
            value = re.split(r"\s#", rest, maxsplit=1)[0].rstrip()
        if key in seen:
            raise DotenvError(file, number, f"{key} is already set on line {seen[key]}")
        seen[key] = number
        entries.append(DotenvEntry(key, value, number))
    return entries


def _quoted(rest: str, lines: list[str], index: int, file: str, number: int) -> tuple[str, int]:
    """The value of a quoted string that may continue over the next lines, and the next line index."""
    quote = rest[0]
    text = rest[1:]
    while True:
        end = _closing(text, quote)
        if end is not None:
            break
        if index >= len(lines):
            raise DotenvError(file, number, f"the {quote} quote opened here is never closed")
        text += "\n" + lines[index]
        index += 1
    trailing = text[end + 1 :].strip()
    if trailing and not trailing.startswith("#"):
        raise DotenvError(file, number, "unexpected text after the closing quote")
    body = text[:end]
    return (_unescape(body) if quote == '"' else body), index


def _closing(text: str, quote: str) -> int | None:
    position = 0
    while position < len(text):
        char = text[position]
        if quote == '"' and char == "\\":
            position += 2
            continue
        if char == quote:
            return position
        position += 1
    return None


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), body, flags=re.DOTALL)
