"""What counts as a value: visible, exportable into a process environment, a boolean.

One rule for every layer that asks "is this set?" or "is this true?": the
bootstrap's required keys, its refresh, the schema's readers and the
operator tool. A value made only of spaces, of invisible characters (a
zero-width space, a byte-order mark) or of characters that render as blank (a
Hangul filler, a blank Braille pattern) is not a value: a SECRET_KEY of fifty
of them would be no secret at all.
"""

from __future__ import annotations

__all__ = ["FALSE", "TRUE", "is_blank", "parse_bool", "unexportable"]

# Letters and symbols that are printable by Unicode's rules yet render as nothing.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5")
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def is_blank(value: str) -> bool:
    """True when nothing in ``value`` would show: empty, spaces, invisible or blank-looking characters."""
    return not any(c.isprintable() and not c.isspace() and c not in _BLANK_GLYPHS for c in value)


def unexportable(value: str) -> str | None:
    """Why ``value`` cannot go into ``os.environ`` (a NUL, a lone surrogate), or None; never the value itself."""
    if "\x00" in value:
        return "it holds a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "it holds a lone surrogate (not valid Unicode text)"
    return None


def parse_bool(raw: str) -> bool | None:
    """true/false, 1/0, yes/no, on/off in any case; None for anything else (the caller names the key)."""
    text = raw.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    return None
