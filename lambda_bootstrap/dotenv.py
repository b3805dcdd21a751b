"""The one .env reader: python-dotenv's parser, made strict.

Used by the operator tool's ``push``/``diff`` and by local development's
settings (:func:`lambda_bootstrap.django.read_dotenv`), so a file reads the same
way for both. It needs python-dotenv (the ``django`` extra and the tool bring
it). Strict because a slip here lands in production: python-dotenv skips what
it cannot parse and lets a later key win; here a line that is not ``KEY=value``
is an error naming its line number (never echoing the line: it
may hold a secret), and so is a key given twice or a key with no ``=``.

Syntax is python-dotenv's (``dotenv.parser.parse_stream``): comments, blank
lines, ``export``, single- and double-quoted values spanning lines. There is
no ``${VAR}`` interpolation: a value is pushed exactly as written. Whether a
key *name* is acceptable for a target is decided by the bootstrap's own rules
(:mod:`lambda_bootstrap.keys`), where the key will be loaded.
"""

from __future__ import annotations

import io
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigurationError
from .rules import shown_name

__all__ = ["DotenvEntry", "load_dotenv_file", "parse_dotenv", "read_dotenv"]


def _error(file: str, line: int | None, reason: str) -> ConfigurationError:
    """Names the file and line, never the line's text (it may hold a secret)."""
    return ConfigurationError(f"{file}, line {line}: {reason}" if line is not None else f"{file}: {reason}")


_KEY_SYNTAX = re.compile(r"[^\s=#'\"]+")


@dataclass(frozen=True)
class DotenvEntry:
    key: str
    value: str
    line: int

    def __repr__(self) -> str:  # a value must never reach a log or a traceback
        return f"DotenvEntry(key={self.key!r}, line={self.line})"


def read_dotenv(path: str | Path) -> list[DotenvEntry]:
    """The entries of the file at ``path``, in file order."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _error(str(path), None, "no such file") from None
    except IsADirectoryError:
        raise _error(str(path), None, "is a directory, not a file") from None
    except UnicodeDecodeError:
        raise _error(str(path), None, "not UTF-8 text") from None
    return parse_dotenv(text, str(path))


def load_dotenv_file(path: str | Path, environ: MutableMapping[str, str]) -> list[str]:
    """Fill ``environ`` from the file (if it exists) without overriding what is set; returns the keys set."""
    if not Path(path).is_file():
        return []
    added = []
    for entry in read_dotenv(path):
        if entry.key not in environ:
            environ[entry.key] = entry.value
            added.append(entry.key)
    return added


def parse_dotenv(text: str, file: str = ".env") -> list[DotenvEntry]:
    from dotenv.parser import parse_stream

    entries: list[DotenvEntry] = []
    seen: dict[str, int] = {}
    for binding in parse_stream(io.StringIO(text)):
        number = _first_line(binding.original.string, binding.original.line)
        if binding.error:
            raise _error(
                file, number, "expected KEY=value (this line does not parse: an unclosed quote, or text after one?)"
            )
        if binding.key is None:
            continue  # a blank line or a comment
        if binding.value is None:
            raise _error(file, number, "expected KEY=value (no '=' found)")
        if not _KEY_SYNTAX.fullmatch(binding.key):
            raise _error(file, number, "expected KEY=value (the key holds quotes)")
        if binding.key in seen:
            raise _error(file, number, f"{shown_name(binding.key)} is already set on line {seen[binding.key]}")
        seen[binding.key] = number
        entries.append(DotenvEntry(binding.key, binding.value, number))
    return entries


def _first_line(chunk: str, line: int) -> int:
    """The line a chunk's text starts on: python-dotenv counts blank lines before an error into it."""
    stripped = chunk.lstrip()
    return line + chunk[: len(chunk) - len(stripped)].count("\n")
