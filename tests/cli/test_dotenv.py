"""The strict .env reader: what it accepts, and errors that name the line but never echo it."""

from __future__ import annotations

import pytest

from lambda_bootstrap.dotenv import load_dotenv_file, parse_dotenv, read_dotenv
from lambda_bootstrap.errors import ConfigurationError


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
        ("A=1\nthis line holds hunter2-secret\n", 2, "does not parse"),
        ("A=1\nHUNTER2_SECRET\n", 2, "no '=' found"),
        ("A=1\n\n=hunter2-secret\n", 3, "does not parse"),
        ("MY KEY=hunter2-secret\n", 1, "does not parse"),
        ("A=1\nB='hunter2-secret\nC=2\n", 2, "unclosed quote"),
        ('A="hunter2" -secret\n', 1, "text after one"),
        ("A=1\nB=2\nA=hunter2-secret\n", 3, "already set on line 1"),
    ],
)
def test_malformed_lines_name_their_number_never_their_text(text: str, line: int, reason: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_dotenv(text, ".env.prod")
    assert f".env.prod, line {line}:" in str(caught.value)
    assert reason in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_the_same_values_as_python_dotenv_reads_them(tmp_path) -> None:
    """One syntax: python-dotenv's own parser, so dev.py (which loads .env with it) and push agree."""
    from dotenv import dotenv_values

    text = "export A=1\nB='x # y'\nC=\"multi\nline\"\nD=plain # comment\nE=\n"
    file = tmp_path / ".env"
    file.write_text(text)
    assert values(text) == dotenv_values(file, interpolate=False)


def test_a_missing_file_is_named_without_a_line_number(tmp_path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        read_dotenv(tmp_path / ".env.nope")
    assert str(caught.value) == f"{tmp_path / '.env.nope'}: no such file"


def test_loading_for_dev_keeps_what_the_shell_set_and_is_just_as_strict(tmp_path) -> None:
    file = tmp_path / ".env"
    file.write_text("A=from-file\nB=from-file\n")
    environ = {"A": "from-shell"}
    assert load_dotenv_file(file, environ) == ["B"]
    assert environ == {"A": "from-shell", "B": "from-file"}
    assert load_dotenv_file(tmp_path / "absent", environ) == []
    file.write_text("A=1\nA=hunter2-secret\n")
    with pytest.raises(ConfigurationError, match="line 2: A is already set on line 1"):
        load_dotenv_file(file, {})
