"""Articles and their versions: a new article, a new version of an edited one, or nothing new.

The content hash covers title, body and attachments.  Unchanged content moves only the seen and
checked times; changed content adds a version (full text, fetch time, hash, raw HTML) and an
``edited`` event.  An article that answers again after a takedown is restored.  A redirect that
shows two archived articles are one merges them first (``identity.merge``).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from archive.domain.records import READING_FIELDS, ArticleRecord
from archive.ingest.attachments import link_attachments
from archive.ingest.context import BatchContext, Result
from archive.ingest.frontier import done_row, mark_done
from archive.ingest.identity import Known, KnownArticles, lookup, merge, resolve
from archive.storage.db import table_of, upsert
from archive.storage.models import Article, ArticleEvent, ArticleUrl, ArticleVersion, utcnow
from archive.vocab import EventKind, Outcome

ARTICLES, VERSIONS, EVENTS = table_of(Article), table_of(ArticleVersion), table_of(ArticleEvent)


@dataclass(slots=True)
class Incoming:
    """One record on its way in: the record, its site row and hash, and what the batch learns of it."""

    record: ArticleRecord
    site_id: int
    sha: str
    article_id: int | None = None
    content_known: bool = False  # a merged-in article already holds this content as a version
    outcomes: list[Outcome] = field(default_factory=list)


def write_articles(session: Session, ctx: BatchContext, records: list[ArticleRecord]) -> list[Result]:
    """Store a batch of extracted articles in the caller's transaction; one result per distinct article."""
    batch = [Incoming(r, ctx.site_id(r.host), r.content_sha256()) for r in records]
    known = lookup(session, [(item.site_id, ref) for item in batch for ref in item.record.refs])
    latest = _latest_per_article(session, ctx, batch, known)
    events: list[dict[str, Any]] = []
    new = [item for item in latest if item.article_id is None]
    seen = [item for item in latest if item.article_id is not None]
    changed = _classify(ctx, seen, known, events)
    _insert_new(session, ctx, new, events)
    _update_seen(session, seen, ctx.reextract)
    if changed:
        session.execute(insert(VERSIONS), [_version(item) for item in changed])
    ctx.dating.update(item.site_id for item in (latest if ctx.reextract else new + changed))
    if events:
        session.execute(insert(EVENTS), events)
    if not ctx.reextract:
        _upsert_urls(session, latest)
    link_attachments(session, [(i.article_id, str(a["url"]), i.record.fetched_at) for i in latest if i.article_id
                               for a in i.record.attachments if a.get("url")])  # fmt: skip
    if ctx.cluster:
        from archive.ingest.clustering import cluster_articles

        cluster_articles(
            session,
            [(i.article_id, i.record.body_text) for i in new + changed if i.article_id],
            reindex=[i.article_id for i in changed if i.article_id],
        )
    if not ctx.reextract:
        done = [done_row(item.site_id, ref.canonical_url, item.record.category_id, item.record.category,
                         item.record.fetched_at) for item in latest for ref in item.record.refs]  # fmt: skip
        mark_done(session, done)
    return [Result(i.record.host, i.record.url, i.article_id, tuple(i.outcomes)) for i in latest]


def _latest_per_article(
    session: Session, ctx: BatchContext, batch: list[Incoming], known: KnownArticles
) -> list[Incoming]:
    """Resolve each record to its archived article (merging where a redirect joins two); the last
    record of an article in the batch wins."""
    latest: dict[tuple[Any, ...], Incoming] = {}
    for item in batch:
        rec = item.record
        found = resolve(known, item.site_id, rec.refs, rec.title, rec.published_at)
        if len(found) > 1:
            item.content_known = any(known.by_id[i].sha == item.sha for i in found)
            found = {merge(session, found, known, ctx.run_id, rec.fetched_at)}
            item.outcomes.append(Outcome.MERGED)
        item.article_id = next(iter(found), None)
        key = ("id", item.article_id) if item.article_id is not None else ("new", item.site_id, rec.native_id)
        latest[key] = item
    return list(latest.values())


def _classify(
    ctx: BatchContext, seen: list[Incoming], known: KnownArticles, events: list[dict[str, Any]]
) -> list[Incoming]:
    """Outcomes and events for articles seen before; returns those that need a new version."""
    changed: list[Incoming] = []
    for item in seen:
        assert item.article_id is not None
        archived: Known = known.by_id[item.article_id]
        rec = item.record
        event = {
            "article_id": item.article_id,
            "run_id": ctx.run_id,
            "at": rec.fetched_at,
            "http_status": rec.http_status,
            "url": rec.url,
        }
        if ctx.reextract:
            _reextracted(item, archived, event, events, changed)
            continue
        if archived.url != rec.url:
            events.append({**event, "kind": str(EventKind.MOVED), "detail": f"{archived.url} -> {rec.url}"})
        if archived.removed_at is not None:
            events.append({**event, "kind": str(EventKind.RESTORED), "detail": "answered with the article again"})
            item.outcomes.append(Outcome.RESTORED)
        elif archived.suspected_at is not None:
            events.append(
                {**event, "kind": str(EventKind.REMOVAL_CLEARED), "detail": "answered with the article again"}
            )
        if archived.sha == item.sha or item.content_known:
            item.outcomes.insert(0, Outcome.UNCHANGED)
        else:
            events.append({**event, "kind": str(EventKind.EDITED), "detail": None})
            item.outcomes.insert(0, Outcome.UPDATED)
            changed.append(item)
    return changed


def _reextracted(
    item: Incoming, archived: Known, event: dict[str, Any], events: list[dict[str, Any]], changed: list[Incoming]
) -> None:
    """A stored page read again by a newer extractor: a version where the result changed, nothing else."""
    if archived.sha == item.sha:
        item.outcomes.insert(0, Outcome.UNCHANGED)
        return
    detail = f"re-extracted from the page fetched {item.record.fetched_at.isoformat()}"
    events.append({**event, "at": utcnow(), "kind": str(EventKind.EDITED), "detail": detail})
    item.outcomes.insert(0, Outcome.UPDATED)
    changed.append(item)


def _insert_new(session: Session, ctx: BatchContext, new: list[Incoming], events: list[dict[str, Any]]) -> None:
    if not new:
        return
    values = [
        {
            "site_id": i.site_id,
            "native_id": i.record.native_id,
            "url": i.record.url,
            "view_count": i.record.view_count,
            "content_sha256": i.sha,
            "first_seen_at": i.record.fetched_at,
            "last_seen_at": i.record.fetched_at,
            "fetched_at": i.record.fetched_at,
            "checked_at": i.record.fetched_at,
            **i.record.content(),
            **_warc(i.record),
        }
        for i in new
    ]
    ids = session.execute(insert(ARTICLES).returning(ARTICLES.c.id, sort_by_parameter_order=True), values).scalars()
    for item, article_id in zip(new, ids, strict=True):
        item.article_id = article_id
        item.outcomes.insert(0, Outcome.INSERTED)
        events.append(
            {
                "article_id": article_id,
                "run_id": ctx.run_id,
                "at": item.record.fetched_at,
                "kind": str(EventKind.FIRST_SEEN),
                "http_status": item.record.http_status,
                "url": item.record.url,
                "detail": None,
            }
        )
    session.execute(insert(VERSIONS), [_version(item) for item in new])


def _update_seen(session: Session, seen: list[Incoming], reextract: bool = False) -> None:
    """One bulk update for articles seen again; those with new (or adopted) content take it too.
    A re-extraction saw nothing: only new content is written."""
    plain, with_content = [], []
    for item in seen:
        rec = item.record
        if reextract:
            if Outcome.UPDATED in item.outcomes:
                with_content.append({"id": item.article_id, "content_sha256": item.sha, **rec.content(), **_warc(rec)})
            else:  # same content: today's reading of its date and extraction still replaces the old one
                plain.append({"id": item.article_id, **{k: getattr(rec, k) for k in READING_FIELDS}})
            continue
        row = {
            "id": item.article_id,
            "url": rec.url,
            "native_id": rec.native_id,
            "view_count": rec.view_count,
            "last_seen_at": rec.fetched_at,
            "fetched_at": rec.fetched_at,
            "checked_at": rec.fetched_at,
            "removed_at": None,
            "removal_suspected_at": None,
            "removal_status": None,
            "removal_url": None,
            "removal_reason": None,
        }
        if Outcome.UPDATED in item.outcomes or (item.content_known and Outcome.MERGED in item.outcomes):
            with_content.append({**row, "content_sha256": item.sha, **rec.content(), **_warc(rec)})
        else:
            plain.append(row)
    if plain:
        session.execute(update(Article), plain)
    if with_content:
        session.execute(update(Article), with_content)


def _upsert_urls(session: Session, latest: list[Incoming]) -> None:
    """Every URL each article was reached under, with when it was first and last seen there."""
    rows = {}
    for item in latest:
        at = item.record.fetched_at
        for ref in item.record.refs:
            rows[(item.site_id, ref.canonical_url)] = {
                "site_id": item.site_id,
                "url": ref.canonical_url,
                "article_id": item.article_id,
                "first_seen_at": at,
                "last_seen_at": at,
                "via": "fetched" if ref == item.record.ref else "redirect",
            }
    if not rows:
        return
    session.execute(
        upsert(session, ArticleUrl, ("site_id", "url"), ("last_seen_at", "article_id")), list(rows.values())
    )


def _warc(rec: ArticleRecord) -> dict[str, Any]:
    """The article's copy of its current version's WARC record (kept as it was when none was written)."""
    return {"warc_file": rec.warc.file, "warc_record_id": rec.warc.record_id} if rec.warc else {}


def _version(item: Incoming) -> dict[str, Any]:
    rec = item.record
    return {
        "article_id": item.article_id,
        "content_sha256": item.sha,
        "title": rec.title,
        "body_text": rec.body_text,
        "attachments": rec.attachments,
        "url": rec.url,
        "fetched_at": rec.fetched_at,
        "http_status": rec.http_status,
        "raw_html_zlib": zlib.compress(rec.raw_html, 1),
        "warc_file": rec.warc.file if rec.warc else None,
        "warc_record_id": rec.warc.record_id if rec.warc else None,
        "warc_offset": rec.warc.offset if rec.warc else None,
    }
