"""Printing rows: an aligned table for people, or CSV, JSON Lines or one JSON document for programs."""

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
    """Print ``rows`` as ``table`` (aligned, text cut to fit), ``csv``, ``jsonl`` or ``json``
    (``{wrapper: [...]}``)."""
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps({c: _plain(row.get(c)) for c in columns}, ensure_ascii=False))
    elif fmt == "json":
        document = {wrapper: [{c: _plain(row.get(c)) for c in columns} for row in rows]}
        click.echo(json.dumps(document, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        with stdout_text() as out:
            write_csv(iter([{c: _plain(row.get(c)) for c in columns} for row in rows]), out, columns)
    else:
        table(rows, columns)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str], widest: int = 60) -> None:
    """An aligned plain-text table: numbers to the right, long text cut with an ellipsis."""

    def cell(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, list):
            value = ",".join(map(str, value))
        text = " ".join(str(value).split())
        return text if len(text) <= widest else text[: widest - 1] + "…"

    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    numeric = [bool(rows) and all(isinstance(r.get(c), int | float) or r.get(c) is None for r in rows) for c in columns]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    click.echo(line(list(columns)))
    for row in cells:
        click.echo(line(row))
