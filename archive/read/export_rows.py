"""The export's rows, read from the database in batches and converted column by column.

Two steps keep a million-row export at disk speed with flat memory:

1. The order (site, publication time with undated last, id) is taken on keys alone: article ids
   (and version ids) sorted from what an index holds (on SQLite, unless a filter needs more of a
   post, the (site, publication time) index alone), never a sort of whole rows with their text.
2. Each run of ``batch`` keys fetches its rows by primary key in one query, with the values as the
   database stores them (timestamps as text on SQLite, JSON as text): no ORM object and no type
   processor per row.  Each column is then converted in one pass (times into the site's own zone,
   citations, cluster roles); sites come from a dict, cluster origins and attachment hashes from
   one query per batch.  The writers hand whole columns to Arrow.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, String, Text, bindparam, cast, select, type_coerce
from sqlalchemy.orm import aliased

from archive.read.arrow_pool import lean_arrow_pool
from archive.read.attachment_hits import attachments_indexed
from archive.read.filters import Filters, apply, match_ids
from archive.read.local_times import as_utc, fixed_offsets, local_iso
from archive.storage.models import Article, ArticleAttachment, ArticleVersion, AttachmentUrl, Cluster, SiteRow

BATCH = 1000  # rows a query fetches and a batch holds: 2,000 held ~15 MiB more at the peak, no faster
JSON_COLUMNS = ("images", "attachments", "attachment_sha256", "hashtags")
# timestamps: ISO 8601 in the site's zone in CSV and JSONL, a UTC timestamp type in Parquet
TIMESTAMP_COLUMNS = ("published_at", "first_seen_at", "last_seen_at", "removed_at", "version_fetched_at")


@dataclass(frozen=True)
class Batch:
    """Up to ``BATCH`` export rows as columns: ``cells`` as CSV and JSONL show them (times in the
    site's zone, JSON as text), ``utc`` the same timestamps as the database gave them (UTC)."""

    size: int
    cells: dict[str, list[Any]]
    utc: dict[str, list[Any]]


def read_batches(
    engine: Engine, filters: Filters | None = None, *, include_versions: bool = False, batch: int = BATCH
) -> Iterator[Batch]:
    """The export's rows in its order, ``batch`` at a time, all from one snapshot of the archive."""
    lean_arrow_pool()  # before the first column is converted
    filters = filters or Filters()
    keys = _key_statement(engine, filters, include_versions)
    rows = _row_statement(include_versions)
    zones: dict[str, ZoneInfo] = {}
    numbering: list[Any] = [None, 0]  # the last article and its version count, across batches
    with engine.connect() as conn:  # one transaction: keys and rows see the same archive
        sites = {r[0]: r[1:] for r in conn.execute(select(SiteRow.id, *(getattr(SiteRow, c) for c in _SITE)))}
        linked = conn.execute(select(ArticleAttachment.article_id).limit(1)).first() is not None
        fetch = _row_fetcher(conn, rows)
        for part in _key_batches(conn, keys, batch):
            wanted = [key[-1] for key in part]
            names, found_rows = fetch(wanted)
            found = {row[0]: row for row in found_rows}
            ordered = [found[key] for key in wanted if key in found]
            if ordered:
                col: dict[str, Sequence[Any]] = dict(zip(names, zip(*ordered, strict=True), strict=True))
                _look_up(conn, col, sites, linked)
                yield _convert(col, len(ordered), include_versions, zones, numbering)


def _key_batches(conn: Any, keys: Any, batch: int) -> Iterator[Sequence[Any]]:
    """The keys in runs of ``batch``.  On SQLite straight from the driver's cursor (the keys are
    plain integers: SQLAlchemy's row objects would cost ~1 µs each, a second a million rows);
    elsewhere streamed from a server-side cursor."""
    if conn.dialect.name == "sqlite":
        result = conn.execute(keys)  # executed (the filters bound) by SQLAlchemy, read raw
        while part := result.cursor.fetchmany(batch):
            yield part
        result.close()
        return
    yield from conn.execution_options(stream_results=True, yield_per=batch).execute(keys).partitions()


def _row_fetcher(conn: Any, rows: Any) -> Callable[[list[Any]], tuple[list[str], Sequence[Any]]]:
    """Column names and rows of the row statement for these ids.  On SQLite the statement runs on
    the driver's own cursor, compiled once per batch size: SQLAlchemy's result and row objects cost
    ~2.5 µs a row that the export does not need."""
    if conn.dialect.name != "sqlite":

        def through_sqlalchemy(ids: list[Any]) -> tuple[list[str], Sequence[Any]]:
            result = conn.execute(rows, {"ids": ids})
            return list(result.keys()), result.all()

        return through_sqlalchemy
    compiled: dict[int, str] = {}
    cursor = conn.connection.dbapi_connection.cursor()  # the same connection: the same snapshot

    def on_the_driver(ids: list[Any]) -> tuple[list[str], Sequence[Any]]:
        sql = compiled.get(len(ids))
        if sql is None:  # the ids are the statement's only parameters: bound in their order
            options = {"render_postcompile": True}
            sql = compiled[len(ids)] = rows.params(ids=ids).compile(dialect=conn.dialect, compile_kwargs=options).string
        cursor.execute(sql, ids)
        return [d[0] for d in cursor.description], cursor.fetchall()

    return on_the_driver


def _look_up(conn: Any, col: dict[str, Sequence[Any]], sites: dict[int, Any], linked: bool) -> None:
    """Add the batch's site, cluster-origin and attachment columns: one query per batch each, not a
    join per row (most rows have no cluster and no attachment)."""
    site = [sites[s] for s in col["site_id"]]
    for i, name in enumerate(_SITE):
        col[f"site_{name}"] = [s[i] for s in site]
    clusters = list({c for c in col["cluster_id"] if c is not None})
    origin: dict[int, tuple[Any, ...]] = {}
    if clusters:
        origin = {r[0]: tuple(r[1:]) for r in conn.execute(_origin_statement(), {"ids": clusters})}
    none = (None, None, None, None)
    found = [origin.get(c, none) if c is not None else none for c in col["cluster_id"]]
    for i, name in enumerate(("origin_id", "origin_host", "origin_published_at", "origin_first_seen_at")):
        col[name] = [f[i] for f in found]
    hashes: dict[int, list[str]] = {}
    if linked:
        stmt = (
            select(ArticleAttachment.article_id, AttachmentUrl.sha256)
            .join(AttachmentUrl, AttachmentUrl.url == ArticleAttachment.url)
            .where(
                ArticleAttachment.article_id.in_(bindparam("ids", expanding=True)), AttachmentUrl.sha256.is_not(None)
            )
        )
        for article_id, sha in conn.execute(stmt, {"ids": list(set(col["id"]))}):
            hashes.setdefault(article_id, []).append(sha)
    col["attachment_hashes"] = [" ".join(hashes[i]) if i in hashes else None for i in col["id"]]


def _origin_statement() -> Any:
    origin_article, origin_site = aliased(Article), aliased(SiteRow)
    return (
        select(Cluster.id, Cluster.origin_article_id, origin_site.host,
               _raw_time(origin_article.published_at), _raw_time(origin_article.first_seen_at))
        .outerjoin(origin_article, origin_article.id == Cluster.origin_article_id)
        .outerjoin(origin_site, origin_site.id == origin_article.site_id)
        .where(Cluster.id.in_(bindparam("ids", expanding=True)))
    )  # fmt: skip


def iter_rows(
    engine: Engine, filters: Filters | None = None, *, include_versions: bool = False, batch: int = BATCH
) -> Iterator[dict[str, Any]]:
    """The export's rows as plain dicts (JSON columns as lists), for JSONL and the Python API."""
    for part in read_batches(engine, filters, include_versions=include_versions, batch=batch):
        yield from batch_rows(part)


def batch_rows(batch: Batch, columns: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
    """A batch's rows as plain dicts of ``columns`` (default: all), JSON columns parsed into lists."""
    names = list(columns if columns is not None else batch.cells)
    parsed = [name for name in names if name in JSON_COLUMNS]
    for values in zip(*(batch.cells[name] for name in names), strict=True):
        row = dict(zip(names, values, strict=True))
        for name in parsed:
            text = row[name]
            row[name] = json.loads(text) if text is not None else None
        yield row


# ---- the two statements -------------------------------------------------------------------------

_ARTICLE = ("native_id", "url", "category", "title", "published_precision", "published_source",
            "published_year_source", "published_text", "removal_reason", "extraction", "byline", "credit",
            "view_count", "body_text", "content_sha256", "cluster_id", "warc_file", "warc_record_id")  # fmt: skip
_ARTICLE_TIMES = ("published_at", "removed_at", "removal_suspected_at", "first_seen_at", "last_seen_at")
_ARTICLE_JSON = ("images", "attachments", "hashtags")
_SITE = ("host", "name", "level", "province", "timezone")
_VERSION = ("title", "body_text", "content_sha256", "warc_file", "warc_record_id", "url")


def _key_statement(engine: Engine, filters: Filters, include_versions: bool) -> Any:
    """Keys in export order: (article id[, version id]); the last one is what rows are fetched by."""
    dialect = engine.dialect.name
    columns: list[Any] = [Article.id] + ([ArticleVersion.id] if include_versions else [])
    stmt = select(*columns).join(SiteRow, SiteRow.id == Article.site_id)
    if filters.one_per_cluster:  # only then: the join alone makes SQLite read every post's row
        stmt = stmt.outerjoin(Cluster, Cluster.id == Article.cluster_id)
    if include_versions:
        stmt = stmt.join(ArticleVersion, ArticleVersion.article_id == Article.id)
    if filters.query:
        hits = match_ids(dialect, filters.query, attachments=attachments_indexed(engine))
        stmt = stmt.where(Article.id.in_(select(hits.c.id)))
    order = [SiteRow.host, Article.published_at.is_(None), Article.published_at, Article.id]
    stmt = apply(stmt, filters, dialect, live_by_id=dialect == "sqlite")
    return stmt.order_by(*order, *([ArticleVersion.id] if include_versions else []))


def _raw_time(column: Any) -> Any:
    """A timestamp as the driver gives it: text on SQLite (parsed per column here), aware on PostgreSQL."""
    return type_coerce(column, String)


def _row_statement(include_versions: bool) -> Any:
    key = ArticleVersion.id if include_versions else Article.id
    columns: list[Any] = [
        key.label("key"),
        Article.id.label("id"),
        Article.site_id.label("site_id"),
        *(getattr(Article, c).label(c) for c in _ARTICLE),
        *(_raw_time(getattr(Article, c)).label(c) for c in _ARTICLE_TIMES),
        *(cast(getattr(Article, c), Text).label(c) for c in _ARTICLE_JSON),
    ]
    stmt = select(*columns)
    if include_versions:
        columns = [getattr(ArticleVersion, c).label(f"v_{c}") for c in _VERSION]
        columns += [cast(ArticleVersion.attachments, Text).label("v_attachments"),
                    _raw_time(ArticleVersion.fetched_at).label("v_fetched_at")]  # fmt: skip
        stmt = stmt.add_columns(*columns).join(ArticleVersion, ArticleVersion.article_id == Article.id)
    return stmt.where(key.in_(bindparam("ids", expanding=True)))


# ---- column by column ---------------------------------------------------------------------------


def _json_text(value: str | None) -> str | None:
    """Stored JSON as the export writes it: non-ASCII as itself, not as ``\\u`` escapes."""
    if value is None or "\\u" not in value:
        return value
    return json.dumps(json.loads(value), ensure_ascii=False)


def citation_of(site_name: str, title: str | None, published: str | None, url: str, accessed: str | None,
                warc_file: str | None, warc_record: str | None) -> str:  # fmt: skip
    """``KPU Kabupaten Ngawi. "Judul". 2025-10-28. https://… (accessed 2026-11-29).``, and where the
    page is archived as WARC: ``… (accessed 2026-11-29; WARC kpu-archive-run3-….warc.gz, record <urn:uuid:…>).``
    Dates are the local ISO timestamps' own dates."""
    when = published[:10] if published else "n.d."
    archived = f"; WARC {warc_file}, record {warc_record}" if warc_file and warc_record else ""
    return f'{site_name}. "{title or "(untitled)"}". {when}. {url} (accessed {(accessed or "")[:10]}{archived}).'


def _convert(col: dict[str, Sequence[Any]], size: int, include_versions: bool, zones: dict[str, ZoneInfo],
             numbering: list[Any]) -> Batch:  # fmt: skip
    zone = [zones.setdefault(z, ZoneInfo(z)) for z in col["site_timezone"]]
    fixed = fixed_offsets(col["site_timezone"])
    host, native = col["site_host"], col["native_id"]
    published = local_iso(col["published_at"], zone, fixed)
    last_seen = local_iso(col["last_seen_at"], zone, fixed)
    removed = local_iso(col["removed_at"], zone, fixed)
    ids, origins = col["id"], col["origin_id"]
    lags: list[float | None] = [None] * size
    origin_site: list[str | None] = [None] * size
    for i, origin in enumerate(origins):
        if origin is not None:  # the origin's site, and how long after the origin this copy came
            mine = as_utc(col["published_at"][i]) or as_utc(col["first_seen_at"][i])
            theirs = as_utc(col["origin_published_at"][i]) or as_utc(col["origin_first_seen_at"][i])
            lags[i] = round((mine - theirs).total_seconds() / 3600, 1)  # type: ignore[operator]
            origin_site[i] = col["origin_host"][i]
    cells: dict[str, list[Any]] = {
        "archive_id": [f"{h}/{n}" for h, n in zip(host, native, strict=True)],
        "site": list(host),
        "site_name": list(col["site_name"]),
        "level": list(col["site_level"]),
        "province": list(col["site_province"]),
        **{c: list(col[c]) for c in ("url", "native_id", "category", "title")},
        "published_at": published,
        **{
            c: list(col[c])
            for c in ("published_precision", "published_source", "published_year_source", "published_text")
        },  # fmt: skip
        "status": [
            "removed" if r is not None else "suspected" if s is not None else "live"
            for r, s in zip(col["removed_at"], col["removal_suspected_at"], strict=True)
        ],  # fmt: skip
        "extraction": list(col["extraction"]),
        "credit": [
            "; ".join(c for c in pair if c) or None for pair in zip(col["byline"], col["credit"], strict=True)
        ],  # fmt: skip
        "view_count": list(col["view_count"]),
        "body_text": list(col["body_text"]),
        "images": [_json_text(v) for v in col["images"]],
        "attachments": [_json_text(v) for v in col["attachments"]],
        "attachment_sha256": [json.dumps(sorted(set(h.split(" ")))) if h else "[]" for h in col["attachment_hashes"]],
        "hashtags": [_json_text(v) for v in col["hashtags"]],
        "first_seen_at": local_iso(col["first_seen_at"], zone, fixed),
        "last_seen_at": last_seen,
        "content_sha256": list(col["content_sha256"]),
        "cluster_id": list(col["cluster_id"]),
        "is_origin": [c is None or o == i for c, o, i in zip(col["cluster_id"], origins, ids, strict=True)],
        "origin_site": origin_site,
        "origin_lag_hours": lags,
        "warc_file": list(col["warc_file"]),
        "warc_record_id": list(col["warc_record_id"]),
        "removed_at": removed,
        "removal_reason": [
            r if at is not None else None for r, at in zip(col["removal_reason"], col["removed_at"], strict=True)
        ],  # fmt: skip
    }
    utc = {c: list(col[c]) for c in ("published_at", "first_seen_at", "last_seen_at", "removed_at")}
    cells["citation"] = [citation_of(*values) for values in zip(
        col["site_name"], col["title"], published, col["url"], last_seen, col["warc_file"], col["warc_record_id"],
        strict=True)]  # fmt: skip
    if include_versions:
        _version_cells(col, cells, utc, zone, fixed, published, numbering)
    return Batch(size, cells, utc)


def _version_cells(col: dict[str, Sequence[Any]], cells: dict[str, list[Any]], utc: dict[str, list[Any]],
                   zone: list[ZoneInfo], fixed: tuple[Any, Any] | None, published: list[str | None],
                   numbering: list[Any]) -> None:  # fmt: skip
    """One row per version: its title, body, attachments, fetch time, hash and WARC record, numbered
    from 1 in each article (rows come oldest version first; ``numbering`` carries the count across
    batches).  A version with a WARC record of its own is cited as that record."""
    numbers = []
    last, number = numbering
    for article in col["id"]:
        number = number + 1 if article == last else 1
        last = article
        numbers.append(number)
    numbering[:] = [last, number]
    fetched = local_iso(col["v_fetched_at"], zone, fixed)
    cells.update(
        {
            "title": list(col["v_title"]),
            "body_text": list(col["v_body_text"]),
            "attachments": [_json_text(v) for v in col["v_attachments"]],
            "version": numbers,
            "version_fetched_at": fetched,
            "version_content_sha256": list(col["v_content_sha256"]),
            "warc_file": list(col["v_warc_file"]),
            "warc_record_id": list(col["v_warc_record_id"]),
        }
    )
    utc["version_fetched_at"] = list(col["v_fetched_at"])
    for i, record in enumerate(col["v_warc_file"]):
        if record:
            cells["citation"][i] = citation_of(col["site_name"][i], col["v_title"][i], published[i], col["v_url"][i],
                                               fetched[i], record, col["v_warc_record_id"][i])  # fmt: skip
