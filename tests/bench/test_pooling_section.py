"""bench.pooling writes its figures into the docs page itself: the section is replaced, not duplicated."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from bench.pooling import BEGIN, END, BurstOutcome, section, write_section


def outcomes() -> list[BurstOutcome]:
    return [
        BurstOutcome("direct, max_connections 20", 50, 17, Counter({"too many clients": 33}), [0.5] * 17),
        BurstOutcome("PgBouncer transaction pool of 10", 50, 50, Counter(), [0.5 + i / 10 for i in range(50)]),
    ]


def test_the_section_holds_the_figures_machine_date_and_command_and_is_replaced_in_place(tmp_path: Path) -> None:
    docs = tmp_path / "database.md"
    docs.write_text("# Database\n\nintro\n\n## After\n", encoding="utf-8")
    args = argparse.Namespace(clients=50, max_connections=20, pool_size=10, hold=0.5, rounds=1)
    text = section(outcomes(), {"PostgreSQL": "15.18", "PgBouncer": "1.18.0"}, args, "python -m bench.pooling")

    write_section(text, docs)
    write_section(text.replace("python -m bench.pooling", "python -m bench.pooling --rounds 1"), docs)

    written = docs.read_text(encoding="utf-8")
    assert written.count(BEGIN) == 1 and written.count(END) == 1
    assert written.startswith("# Database\n\nintro\n\n## After\n")
    assert "python -m bench.pooling --rounds 1" in written
    assert "| direct, max_connections 20 | 50 | 17 | 33 | 0 | 500 ms | 500 ms |" in written
    assert "| PgBouncer transaction pool of 10 | 50 | 50 | 0 | 0 | 2900 ms | 5400 ms |" in written
    assert "PostgreSQL 15.18, PgBouncer 1.18.0" in written
    assert "at most 17 requests hold a connection at once" in written
