"""Printing rows for programs: CSV, JSON Lines or one JSON document, on standard output."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

import click

from archive.read.export import write_csv


@contextmanager
def stdout_text(encoding: str = "utf-8") -> Iterator[TextIO]:
    """Standard output as text in ``encoding`` (``utf-8-sig`` writes Excel's BOM), line ends as written."""
    sys.stdout.flush()
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="")
    try:
        yield stream
    finally:
        stream.flush()
        stream.detach()  # leave sys.stdout open


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def emit(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str], *, wrapper: str = "rows") -> None:
    """Print ``rows`` for a program: ``csv``, ``jsonl`` or ``json`` (``{wrapper: [...]}``).  Each
    command draws its own ``table`` for people."""
    plain = [{c: _plain(row.get(c)) for c in columns} for row in rows]
    if fmt == "jsonl":
        for row in plain:
            click.echo(json.dumps(row, ensure_ascii=False))
    elif fmt == "json":
        click.echo(json.dumps({wrapper: plain}, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        with stdout_text() as out:
            write_csv(iter(plain), out, columns)
    else:
        raise ValueError(f"emit prints csv, jsonl or json, not {fmt!r}")
