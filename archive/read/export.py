"""Stream archived articles out as CSV, JSONL or Parquet: one row per article (or per version).

Every row carries ``archive_id`` (``{host}/{native key}``: stable across crawls and archives) and a
ready-made ``citation``.  Removed articles are left out unless asked for (then ``removed_at`` says
when they went).  ``cluster_id`` names an article's syndication cluster (empty when it has no
copy); ``is_origin`` is true for a cluster's probable origin and for an article without copies;
``origin_site`` and ``origin_lag_hours`` name a clustered article's origin site and how many hours
after the origin it was published (first seen where undated; 0 for the origin itself).

Everything streams: rows come in batches (``export_rows``) and are written a batch at a time
(Parquet in row groups), so memory stays flat however large the archive.  Text cells that a spreadsheet would
run as a formula are prefixed with ``'`` in CSV and Parquet (OWASP CSV injection); JSONL keeps
values as they are.  ``write_export`` writes to ``FILE.part`` and renames, then writes
``FILE.manifest.json`` with the filters, the archive snapshot time, the software version, the row
count and the file's SHA-256, so a paper can cite exactly what it used.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from archive.read.arrow_pool import lean_arrow_pool
from archive.read.export_rows import (
    JSON_COLUMNS,
    TIMESTAMP_COLUMNS,
    Batch,
    batch_rows,
    iter_rows,
    read_batches,
)
from archive.read.filters import Filters
from archive.read.read_ahead import read_ahead
from archive.storage.models import Article, CrawlRun

COLUMNS = (
    "archive_id",
    "site",
    "site_name",
    "level",
    "province",
    "url",
    "native_id",
    "category",
    "title",
    "published_at",
    "published_precision",
    "published_source",
    "published_year_source",
    "published_text",
    "status",
    "extraction",
    "credit",
    "view_count",
    "body_text",
    "images",
    "attachments",
    "attachment_sha256",
    "hashtags",
    "first_seen_at",
    "last_seen_at",
    "content_sha256",
    "cluster_id",
    "is_origin",
    "origin_site",
    "origin_lag_hours",
    "warc_file",
    "warc_record_id",
    "citation",
)
REMOVED_COLUMNS = ("removed_at", "removal_reason")
VERSION_COLUMNS = ("version", "version_fetched_at", "version_content_sha256")
FORMATS = ("csv", "jsonl", "parquet")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
NUMBER_COLUMNS = ("view_count", "cluster_id", "is_origin", "origin_lag_hours", "version")
__all__ = ["iter_rows", "read_batches"]  # the rows themselves: export_rows


def export_columns(include_removed: bool = False, include_versions: bool = False) -> tuple[str, ...]:
    return COLUMNS + (REMOVED_COLUMNS if include_removed else ()) + (VERSION_COLUMNS if include_versions else ())


def software_version() -> str:
    try:
        return version("kpu-archive")
    except PackageNotFoundError:
        return "unknown"


# ---- writers ----------------------------------------------------------------------------------


def neutralise(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return neutralise(json.dumps(value, ensure_ascii=False))
    if isinstance(value, bool | int | float):
        return str(value)  # a number is no formula: "-3.19" stays a number
    return neutralise(str(value))


def write_csv(rows: Iterator[dict[str, Any]], out: TextIO, columns: Sequence[str] = COLUMNS) -> int:
    """RFC 4180 CSV with CRLF line ends (what Excel expects); the caller picks the encoding."""
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in columns])
        count += 1
    return count


_FORMULA_START = "^[" + "".join(f"\\x{ord(p):02x}" for p in FORMULA_PREFIXES) + "]"  # RE2: one of them first


def _text_column(values: list[Any]) -> Any:
    """A column of text cells as an Arrow array, neutralised (what ``neutralise`` does to one cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pa.array(values, pa.string())
    formula = pc.match_substring_regex(cells, _FORMULA_START)
    if not pc.any(formula).as_py():
        return cells
    return pc.if_else(formula, pc.binary_join_element_wise("'", cells, ""), cells)


def _is_text(column: str) -> bool:
    return column not in NUMBER_COLUMNS and column not in TIMESTAMP_COLUMNS and column not in JSON_COLUMNS


# a batch goes out in slices: one multi-megabyte write into a pipe whose reader has gone (`| head`)
# was seen to end without EPIPE, so the export ran on and exited 0; slice by slice it stops at once
_WRITE_SLICE = 1 << 16


def write_csv_batches(batches: Iterable[Batch], out: TextIO, columns: Sequence[str] = COLUMNS) -> int:
    """The export as RFC 4180 CSV (CRLF line ends, what Excel expects), a batch at a time.

    The cells are what ``csv.writer`` (minimal quoting) writes, byte for byte, but made by Arrow's
    vectorised string kernels a column at a time: Python's writer costs ~40 µs per 2 KB row.  Where
    ``out`` is a UTF-8 file, Arrow's UTF-8 goes to its bytes as it is, never through a Python str."""
    csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerow(columns)
    raw = _utf8_bytes_of(out)
    sink: Any = raw if raw is not None else out
    count = 0
    for batch in batches:
        if batch.size:
            block: Any = memoryview(_csv_block(batch, columns))
            if raw is None:  # a text stream of its own (StringIO, another encoding): as text
                block = str(block, "utf-8")
            for start in range(0, len(block), _WRITE_SLICE):
                sink.write(block[start : start + _WRITE_SLICE])
            count += batch.size
    return count


def _utf8_bytes_of(out: TextIO) -> Any:
    """The binary file under a UTF-8 text stream (flushed, so what it holds goes first), else None."""
    raw = getattr(out, "buffer", None)
    if raw is None or (getattr(out, "encoding", "") or "").lower().replace("_", "-") not in ("utf-8", "utf-8-sig"):
        return None
    out.flush()
    return raw


def _csv_block(batch: Batch, columns: Sequence[str]) -> Any:
    """The batch's CSV lines, each ending in CRLF, as one Arrow buffer of UTF-8."""
    import pyarrow as pa
    import pyarrow.compute as pc

    fields = []
    for c in columns:
        values = batch.cells[c]
        if c in NUMBER_COLUMNS:  # as str() writes them: True, 12.0
            cells = pa.array([None if v is None else str(v) for v in values], pa.string())
        else:
            cells = _text_column(values) if _is_text(c) else pa.array(values, pa.string())
        needs_quotes = pc.match_substring_regex(cells, '[,"\r\n]')
        if pc.any(needs_quotes).as_py():  # most columns of most batches have no cell to quote
            quoted = pc.binary_join_element_wise('"', pc.replace_substring(cells, '"', '""'), '"', "")
            cells = pc.if_else(needs_quotes, quoted, cells)
        fields.append(pc.fill_null(cells, "") if cells.null_count else cells)
    fields[-1] = pc.binary_join_element_wise(fields[-1], "\r\n", "")  # each line ends itself, so
    lines = pc.binary_join_element_wise(*fields, ",")  # the lines' own data is the block: no copy
    _, offsets, data = lines.buffers()  # string offsets: 32-bit, native order
    bounds = memoryview(offsets).cast("i")
    start, end = bounds[lines.offset], bounds[lines.offset + len(lines)]
    return data.slice(start, end - start)


def write_jsonl_batches(batches: Iterable[Batch], out: TextIO, columns: Sequence[str] = COLUMNS) -> int:
    """The export as JSON Lines: values as they are (no neutralising), JSON columns as lists."""
    count = 0
    for batch in batches:
        for row in batch_rows(batch, columns):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += batch.size
    return count


BatchWriter = Callable[[Iterable[Batch], TextIO, Sequence[str]], int]


def batch_writer(fmt: str) -> BatchWriter:
    """The text writer of a format for the export's batches: ``csv`` or ``jsonl``."""
    return write_csv_batches if fmt == "csv" else write_jsonl_batches


def parquet_schema(columns: Sequence[str]) -> Any:
    import pyarrow as pa

    moment = pa.timestamp("us", tz="UTC")
    types = {
        "view_count": pa.int64(),
        "cluster_id": pa.int64(),
        "is_origin": pa.bool_(),
        "origin_lag_hours": pa.float64(),
        "version": pa.int32(),
        **dict.fromkeys(TIMESTAMP_COLUMNS, moment),
    }
    return pa.schema([(c, types.get(c, pa.string())) for c in columns])


def _utc_array(values: list[Any]) -> Any:
    """UTC timestamps from the database's own values: SQLite's text parsed by Arrow in one step."""
    import pyarrow as pa

    moment = pa.timestamp("us", tz="UTC")
    if any(isinstance(v, str) for v in values):
        return pa.array(values, pa.string()).cast(pa.timestamp("us")).cast(moment)
    return pa.array(values, moment)


# columns whose values repeat from row to row: dictionary-encoded.  The rest (bodies, titles, URLs,
# hashes, citations) are unique per row: a dictionary of them only costs memory until Parquet's
# writer gives it up (at 200,000 rows: 211 -> 194 MiB peak, a 3% smaller file, no slower)
DICTIONARY_COLUMNS = ("site", "site_name", "level", "province", "category", "published_precision",
                      "published_source", "published_year_source", "status", "extraction", "credit",
                      "origin_site", "warc_file", "removal_reason")  # fmt: skip


def write_parquet(batches: Iterable[Batch], path: Path, columns: Sequence[str] = COLUMNS,
                  row_group: int = 5_000) -> int:  # fmt: skip
    """Parquet (zstd) in row groups of about ``row_group`` rows: never more than one group in memory
    (5,000 rows, ~9 MB before compression: a million-row export peaked ~20 MiB lower than with
    10,000).  Columns go to Arrow whole; timestamps are UTC, text cells neutralised as in CSV."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    lean_arrow_pool(parquet=True)  # before the writer takes its pool
    schema = parquet_schema(columns)
    dictionary = [c for c in columns if c in DICTIONARY_COLUMNS]
    count, pending, held = 0, [], 0
    with pq.ParquetWriter(path, schema, compression="zstd", use_dictionary=dictionary) as writer:
        for batch in batches:
            if not batch.size:
                continue
            arrays = []
            for field in schema:
                c = field.name
                if c in TIMESTAMP_COLUMNS:
                    arrays.append(_utc_array(batch.utc[c]))
                else:
                    values = batch.cells[c]
                    arrays.append(_text_column(values) if _is_text(c) else pa.array(values, field.type))
            pending.append(pa.RecordBatch.from_arrays(arrays, schema=schema))
            count += batch.size
            held += batch.size
            if held >= row_group:
                writer.write_table(pa.Table.from_batches(pending, schema), row_group_size=held)
                pending, held = [], 0
        if pending or count == 0:
            writer.write_table(pa.Table.from_batches(pending, schema), row_group_size=max(held, 1))
    return count


def snapshot_time(engine: Engine) -> datetime | None:
    """When the archive last changed: the end of its latest finished crawl, else its latest fetch."""
    with Session(engine) as session:
        finished = session.scalar(select(func.max(CrawlRun.finished_at)))
        fetched = session.scalar(select(func.max(Article.fetched_at)))
    values = [v for v in (finished, fetched) if v is not None]  # aware: the column type applies to max()
    return max(values) if values else None


def write_export(
    engine: Engine, target: Path, fmt: str, filters: Filters, *, include_versions: bool = False, excel: bool = False
) -> dict[str, Any]:
    """Write the export to ``target`` (via ``.part``) and its manifest beside it; return the manifest."""
    columns = export_columns(filters.include_removed, include_versions)
    snapshot = snapshot_time(engine)
    started = datetime.now(UTC)
    lean_arrow_pool(parquet=fmt == "parquet")  # before either thread makes Arrow data
    batches = read_ahead(read_batches(engine, filters, include_versions=include_versions))
    partial = target.with_name(target.name + ".part")
    if fmt == "parquet":
        count = write_parquet(batches, partial, columns)
    else:
        encoding = "utf-8-sig" if excel else "utf-8"  # the BOM tells Excel the file is UTF-8
        with partial.open("w", encoding=encoding, newline="") as handle:
            count = batch_writer(fmt)(batches, handle, columns)
    partial.replace(target)  # never a half-written export under the real name
    digest = hashlib.sha256()
    with target.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    manifest = {
        "file": target.name,
        "format": fmt + ("+excel" if excel else ""),
        "rows": count,
        "sha256": digest.hexdigest(),
        "bytes": target.stat().st_size,
        "columns": list(columns),
        "filters": filters.describe(),
        "include_versions": include_versions,
        "archive": engine.url.render_as_string(hide_password=True),
        "archive_snapshot": snapshot.isoformat() if snapshot else None,
        "exported_at": started.isoformat(),
        "software": f"kpu-archive {software_version()}",
        "cite_as": f"kpu-archive export {target.name}, {count} rows, sha256 {digest.hexdigest()[:16]}, archive "
        f"snapshot {snapshot.date().isoformat() if snapshot else 'n.d.'}",
    }
    manifest_path = target.with_name(target.name + ".manifest.json")
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest
