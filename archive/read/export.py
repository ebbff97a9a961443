"""Stream archived articles out as CSV, JSONL or Parquet: one row per article (or per version).

Every row carries ``archive_id`` (``{host}/{native key}``: stable across crawls and archives) and a
ready-made ``citation``.  Removed articles are left out unless asked for (then ``removed_at`` says
when they went).  ``cluster_id`` names an article's syndication cluster (empty when it has no
copy); ``is_origin`` is true for a cluster's probable origin and for an article without copies;
``origin_site`` and ``origin_lag_hours`` name a clustered article's origin site and how many hours
after the origin it was published (first seen where undated; 0 for the origin itself).

Everything streams: rows are read ``yield_per`` at a time and written as they come (Parquet in
row groups), so memory stays flat however large the archive.  Text cells that a spreadsheet would
run as a formula are prefixed with ``'`` in CSV and Parquet (OWASP CSV injection); JSONL keeps
values as they are.  ``write_export`` writes to ``FILE.part`` and renames, then writes
``FILE.manifest.json`` with the filters, the archive snapshot time, the software version, the row
count and the file's SHA-256, so a paper can cite exactly what it used.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, aliased

from archive.read.attachment_hits import attachments_indexed
from archive.read.filters import Filters, apply, match_ids
from archive.storage.models import (
    Article,
    ArticleAttachment,
    ArticleVersion,
    AttachmentUrl,
    Cluster,
    CrawlRun,
    SiteRow,
)

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
_JSON_COLUMNS = ("images", "attachments", "attachment_sha256", "hashtags")
# timestamps: ISO 8601 in the site's zone in CSV and JSONL, a UTC timestamp type in Parquet
TIMESTAMP_COLUMNS = ("published_at", "first_seen_at", "last_seen_at", "removed_at", "version_fetched_at")


def export_columns(include_removed: bool = False, include_versions: bool = False) -> tuple[str, ...]:
    return COLUMNS + (REMOVED_COLUMNS if include_removed else ()) + (VERSION_COLUMNS if include_versions else ())


def software_version() -> str:
    try:
        return version("kpu-archive")
    except PackageNotFoundError:
        return "unknown"


def citation(
    site_name: str, title: str | None, published: datetime | None, url: str, accessed: datetime,
    warc: tuple[str | None, str | None] = (None, None),
) -> str:  # fmt: skip
    """``KPU Kabupaten Ngawi. "Judul". 2025-10-28. https://… (accessed 2026-11-29).``, and where the
    page is archived as WARC: ``… (accessed 2026-11-29; WARC kpu-archive-run3-….warc.gz, record <urn:uuid:…>).``"""
    when = published.date().isoformat() if published else "n.d."
    archived = f"; WARC {warc[0]}, record {warc[1]}" if warc[0] and warc[1] else ""
    return f'{site_name}. "{title or "(untitled)"}". {when}. {url} (accessed {accessed.date().isoformat()}{archived}).'


def iter_rows(
    engine: Engine, filters: Filters | None = None, *, include_versions: bool = False, batch: int = 2000
) -> Iterator[dict[str, Any]]:
    """Export rows by site, then publication time (undated last), then id, the same on every backend.
    With ``include_versions``: one row per version, its title and body those of that version, oldest
    version first."""
    filters = filters or Filters()
    origin_article, origin_site = aliased(Article), aliased(SiteRow)
    origin = (Cluster.origin_article_id, origin_site.host, origin_article.published_at, origin_article.first_seen_at)
    entities: list[Any] = [Article, SiteRow, *origin, _attachment_hashes(engine.dialect.name)]
    if include_versions:
        entities.append(ArticleVersion)
    stmt = (
        select(*entities)
        .join(SiteRow, SiteRow.id == Article.site_id)
        .outerjoin(Cluster, Cluster.id == Article.cluster_id)
        .outerjoin(origin_article, origin_article.id == Cluster.origin_article_id)
        .outerjoin(origin_site, origin_site.id == origin_article.site_id)
    )
    if include_versions:
        stmt = stmt.join(ArticleVersion, ArticleVersion.article_id == Article.id)
    if filters.query:
        hits = match_ids(engine.dialect.name, filters.query, attachments=attachments_indexed(engine))
        stmt = stmt.where(Article.id.in_(select(hits.c.id)))
    stmt = apply(stmt, filters, engine.dialect.name)
    # the same order on every backend: site, publication time (undated last), id
    order = (SiteRow.host, Article.published_at.is_(None), Article.published_at, Article.id)
    stmt = stmt.order_by(*order, ArticleVersion.id) if include_versions else stmt.order_by(*order)
    version_no, last_article = 0, None
    zones: dict[str, ZoneInfo] = {}
    with Session(engine) as session:
        for row in session.execute(stmt.execution_options(yield_per=batch)):
            article, site, origin_id = row[0], row[1], row[2]
            zone = zones.setdefault(site.timezone, ZoneInfo(site.timezone))
            out = article_row(article, site, origin_id, zone)
            if origin_id is not None:  # the origin's site, and how long after the origin this copy came
                out["origin_site"] = row[3]
                out["origin_lag_hours"] = round(((article.published_at or article.first_seen_at)
                                                 - (row[4] or row[5])).total_seconds() / 3600, 1)  # fmt: skip
            out["attachment_sha256"] = sorted(set(row[6].split(" "))) if row[6] else []
            if include_versions:
                version_row: ArticleVersion = row[7]
                version_no = version_no + 1 if last_article == article.id else 1
                last_article = article.id
                out.update(
                    {
                        "title": version_row.title,
                        "body_text": version_row.body_text,
                        "attachments": version_row.attachments,
                        "version": version_no,
                        "version_fetched_at": version_row.fetched_at.astimezone(zone).isoformat(),
                        "version_content_sha256": version_row.content_sha256,
                        "warc_file": version_row.warc_file,
                        "warc_record_id": version_row.warc_record_id,
                    }
                )
                if version_row.warc_file:  # the citation of this version points at its own record
                    published = article.published_at.astimezone(zone) if article.published_at else None
                    out["citation"] = citation(site.name, version_row.title, published, version_row.url,
                                               version_row.fetched_at.astimezone(zone),
                                               (version_row.warc_file, version_row.warc_record_id))  # fmt: skip
            yield out


def _attachment_hashes(dialect: str) -> Any:
    """The SHA-256 of each file the article links, space-separated: one indexed subquery per row in
    the database, no query per row from here."""
    joined = func.group_concat(AttachmentUrl.sha256, " ") if dialect == "sqlite" else func.string_agg(
        AttachmentUrl.sha256, " ")  # fmt: skip
    return (
        select(joined)
        .select_from(ArticleAttachment)
        .join(AttachmentUrl, AttachmentUrl.url == ArticleAttachment.url)
        .where(ArticleAttachment.article_id == Article.id, AttachmentUrl.sha256.is_not(None))
        .correlate(Article)
        .scalar_subquery()
    )


def article_row(article: Article, site: SiteRow, origin: int | None, zone: ZoneInfo) -> dict[str, Any]:
    """One article as the export's row: times in the site's own zone, a citation, its cluster role."""
    published = article.published_at.astimezone(zone) if article.published_at else None
    last_seen = article.last_seen_at.astimezone(zone)
    return {
        "archive_id": f"{site.host}/{article.native_id}",
        "site": site.host,
        "site_name": site.name,
        "level": site.level,
        "province": site.province,
        "url": article.url,
        "native_id": article.native_id,
        "category": article.category,
        "title": article.title,
        "published_at": published.isoformat() if published else None,
        "published_precision": article.published_precision,
        "published_source": article.published_source,
        "published_year_source": article.published_year_source,
        "published_text": article.published_text,
        "status": "removed" if article.removed_at else "suspected" if article.removal_suspected_at else "live",
        "extraction": article.extraction,
        "credit": "; ".join(c for c in (article.byline, article.credit) if c) or None,
        "view_count": article.view_count,
        "body_text": article.body_text,
        "images": article.images,
        "attachments": article.attachments,
        "hashtags": article.hashtags,
        "first_seen_at": article.first_seen_at.astimezone(zone).isoformat(),
        "last_seen_at": last_seen.isoformat(),
        "content_sha256": article.content_sha256,
        "cluster_id": article.cluster_id,
        "is_origin": article.cluster_id is None or origin == article.id,
        "origin_site": None,
        "origin_lag_hours": None,
        "attachment_sha256": [],
        "warc_file": article.warc_file,
        "warc_record_id": article.warc_record_id,
        "citation": citation(
            site.name, article.title, published, article.url, last_seen, (article.warc_file, article.warc_record_id)
        ),  # fmt: skip
        "removed_at": article.removed_at.astimezone(zone).isoformat() if article.removed_at else None,
        "removal_reason": article.removal_reason if article.removed_at else None,
    }


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


def write_jsonl(rows: Iterator[dict[str, Any]], out: TextIO, columns: Sequence[str] = COLUMNS) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps({c: row[c] for c in columns}, ensure_ascii=False) + "\n")
        count += 1
    return count


RowWriter = Callable[[Iterator[dict[str, Any]], TextIO, Sequence[str]], int]


def row_writer(fmt: str) -> RowWriter:
    """The text writer of a format: ``csv`` or ``jsonl``."""
    return write_csv if fmt == "csv" else write_jsonl


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


def write_parquet(
    rows: Iterator[dict[str, Any]], path: Path, columns: Sequence[str] = COLUMNS, row_group: int = 10_000
) -> int:
    """Parquet (zstd) in row groups of ``row_group`` rows: never more than one group in memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(columns)
    count = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        buffer: dict[str, list[Any]] = {c: [] for c in columns}
        for row in rows:
            for c in columns:
                value = row[c]
                if c in _JSON_COLUMNS:
                    value = json.dumps(value, ensure_ascii=False)
                elif c in TIMESTAMP_COLUMNS:
                    value = datetime.fromisoformat(value) if value else None
                elif isinstance(value, str):
                    value = neutralise(value)
                buffer[c].append(value)
            count += 1
            if count % row_group == 0:
                writer.write_table(pa.table(buffer, schema=schema))
                buffer = {c: [] for c in columns}
        if buffer[columns[0]] or count == 0:
            writer.write_table(pa.table(buffer, schema=schema))
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
    rows = iter_rows(engine, filters, include_versions=include_versions)
    partial = target.with_name(target.name + ".part")
    if fmt == "parquet":
        count = write_parquet(rows, partial, columns)
    else:
        encoding = "utf-8-sig" if excel else "utf-8"  # the BOM tells Excel the file is UTF-8
        with partial.open("w", encoding=encoding, newline="") as handle:
            count = row_writer(fmt)(rows, handle, columns)
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
