"""The strict .env reader: what it accepts, and errors that name the line but never echo it."""

from __future__ import annotations

import pytest

from lambda_bootstrap.cli.dotenv import parse_dotenv
from lambda_bootstrap.cli.errors import DotenvError


def values(text: str) -> dict[str, str]:
    return {e.key: e.value for e in parse_dotenv(text)}


def test_plain_lines_comments_export_and_inline_comments() -> None:
    text = "# a comment\n\nexport SECRET_KEY = s3cr3t-value \nALLOWED_HOSTS=a.example.com,b.example.com # hosts\n"
    assert values(text) == {"SECRET_KEY": "s3cr3t-value", "ALLOWED_HOSTS": "a.example.com,b.example.com"}


def test_quoted_values_keep_hashes_spaces_and_span_lines() -> None:
    text = 'A=\'lit # not a comment \\n\'\nB="tab\\there \\"q\\""\nPEM="-----BEGIN-----\nline two\n-----END-----"\nC=\n'
    assert values(text) == {
        "A": "lit # not a comment \\n",
        "B": 'tab\there "q"',
        "PEM": "-----BEGIN-----\nline two\n-----END-----",
        "C": "",
    }


def test_entries_keep_their_line_numbers_and_hide_values_in_repr() -> None:
    entries = parse_dotenv("# c\nA=1\n\nB='x\ny'\nC=do-not-show\n")
    assert [(e.key, e.line) for e in entries] == [("A", 2), ("B", 4), ("C", 6)]
    assert "do-not-show" not in repr(entries)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("A=1\nthis line holds hunter2-secret\n", 2, "no '=' found"),
        ("A=1\n\n=hunter2-secret\n", 3, "key is empty"),
        ("MY KEY=hunter2-secret\n", 1, "holds spaces"),
        ("A=1\nB='hunter2-secret\nC=2\n", 2, "never closed"),
        ('A="hunter2" -secret\n', 1, "after the closing quote"),
        ("A=1\nB=2\nA=hunter2-secret\n", 3, "already set on line 1"),
    ],
)
def test_malformed_lines_name_their_number_never_their_text(text: str, line: int, reason: str) -> None:
    with pytest.raises(DotenvError) as caught:
        parse_dotenv(text, ".env.prod")
    assert caught.value.line == line
    assert f".env.prod, line {line}:" in str(caught.value)
    assert reason in str(caught.value)
    assert "hunter2" not in str(caught.value)
