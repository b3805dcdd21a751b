"""Figures written into the docs by the script that measures them, so a page never drifts from its source.

A measured section sits between two HTML comments (invisible on GitHub); each
run replaces what is between them and leaves the rest of the page alone, or
appends the section when the page does not hold it yet. ``provenance`` is the
line that says where, when and by which command the figures were made.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["DOCS", "machine", "markers", "provenance", "replace_block", "write_section"]

DOCS = Path(__file__).resolve().parents[1] / "docs"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name} -->", f"<!-- /{name} -->"


def replace_block(doc: Path, start: str, end: str, block: str, *, heading: str = "") -> None:
    """Put ``block`` (which begins with ``start`` and ends with ``end``) in place of the old one, or append it."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    if start in text and end in text.split(start, 1)[1]:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + heading + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")


def write_section(name: str, body: Iterable[str], doc: Path) -> None:
    """Replace the lines between ``<!-- name -->`` and ``<!-- /name -->`` in ``doc`` (appended if absent)."""
    start, end = markers(name)
    replace_block(doc, start, end, "\n".join([start, *body, end]))


def machine() -> str:
    """The machine the figures come from: enough to tell two result files apart."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), model)
    except OSError:
        pass
    return (
        f"{platform.node() or 'this machine'} ({platform.machine()}, {os.cpu_count()} cores, {model}), "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def provenance(command: str, seconds: float) -> str:
    return f"_Written by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}, in {seconds:.0f} s._"
