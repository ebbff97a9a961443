"""Stream archived articles out as CSV or JSONL: one row per article (or per version), oldest id first.

Removed articles are left out unless asked for (then a ``removed_at`` column says when they went).
``cluster_id`` names an article's syndication cluster (empty when it has no copy); ``is_origin`` is
true for a cluster's probable origin and for an article without copies, so ``is_origin`` alone
gives one row per release (``--one-per-cluster``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from .models import Article, ArticleVersion, Cluster, Site

COLUMNS = ("site", "site_name", "level", "province", "url", "native_id", "category", "title", "published_at",
           "published_source", "credit", "view_count", "body_text", "images", "attachments", "hashtags",
           "first_seen_at", "last_seen_at", "content_sha256", "cluster_id", "is_origin")
REMOVED_COLUMNS = ("removed_at", "removal_reason")
VERSION_COLUMNS = ("version", "version_fetched_at", "version_content_sha256")


def export_columns(include_removed: bool = False, include_versions: bool = False) -> tuple[str, ...]:
    return COLUMNS + (REMOVED_COLUMNS if include_removed else ()) + (VERSION_COLUMNS if include_versions else ())
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
_EARLIEST = ZoneInfo("Asia/Jayapura")  # +09: the first Indonesian midnight of a date
_LATEST = ZoneInfo("Asia/Jakarta")  # +07: the last


def iter_rows(engine: Engine, hosts: Sequence[str] = (), since: date | None = None,
              until: date | None = None, *, include_removed: bool = False, include_versions: bool = False,
              one_per_cluster: bool = False) -> Iterator[dict[str, Any]]:
    """Export rows; ``since``/``until`` are calendar dates in each site's own zone (inclusive).

    With ``include_versions`` there is one row per version, oldest first, its title and body those
    of that version.
    """
    entities: list[Any] = [Article, Site, Cluster.origin_article_id]
    if include_versions:
        entities.append(ArticleVersion)
    stmt = select(*entities).join(Site, Site.id == Article.site_id)
    stmt = stmt.outerjoin(Cluster, Cluster.id == Article.cluster_id)
    if include_versions:
        stmt = stmt.join(ArticleVersion, ArticleVersion.article_id == Article.id)
        stmt = stmt.order_by(Article.id, ArticleVersion.id)
    else:
        stmt = stmt.order_by(Article.id)
    if hosts:
        stmt = stmt.where(Site.host.in_(list(hosts)))
    if since:
        stmt = stmt.where(Article.published_at >= datetime.combine(since, time(), _EARLIEST))
    if until:
        stmt = stmt.where(Article.published_at < datetime.combine(until + timedelta(days=1), time(), _LATEST))
    if not include_removed:
        stmt = stmt.where(Article.removed_at.is_(None))
    if one_per_cluster:
        keep = [Article.cluster_id.is_(None), Cluster.origin_article_id == Article.id]
        if not include_removed:  # an origin taken down: its earliest archived live copy stands in
            other = aliased(Article)
            origin_gone = exists().where(other.id == Cluster.origin_article_id, other.removed_at.is_not(None))
            first_live = (select(func.min(other.id)).where(other.cluster_id == Article.cluster_id,
                                                          other.removed_at.is_(None)).scalar_subquery())
            keep.append(and_(origin_gone, Article.id == first_live))
        stmt = stmt.where(or_(*keep))
    version_no, last_article = 0, None
    with Session(engine) as session:
        for row in session.execute(stmt.execution_options(yield_per=1000)):
            article, site, origin = row[0], row[1], row[2]
            zone = ZoneInfo(site.timezone)
            published = article.published_at.astimezone(zone) if article.published_at else None
            if published and ((since and published.date() < since) or (until and published.date() > until)):
                continue
            out = {
                "site": site.host, "site_name": site.name, "level": site.level, "province": site.province,
                "url": article.url, "native_id": article.native_id, "category": article.category,
                "title": article.title, "published_at": published.isoformat() if published else None,
                "published_source": article.published_source,
                "credit": "; ".join(c for c in (article.byline, article.credit) if c) or None,
                "view_count": article.view_count, "body_text": article.body_text, "images": article.images,
                "attachments": article.attachments, "hashtags": article.hashtags,
                "first_seen_at": article.first_seen_at.astimezone(zone).isoformat(),
                "last_seen_at": article.last_seen_at.astimezone(zone).isoformat(),
                "content_sha256": article.content_sha256,
                "cluster_id": article.cluster_id, "is_origin": article.cluster_id is None or origin == article.id,
                "removed_at": article.removed_at.astimezone(zone).isoformat() if article.removed_at else None,
                "removal_reason": article.removal_reason if article.removed_at else None,
            }
            if include_versions:
                version: ArticleVersion = row[3]
                version_no = version_no + 1 if last_article == article.id else 1
                last_article = article.id
                out.update({"title": version.title, "body_text": version.body_text,
                            "attachments": version.attachments, "version": version_no,
                            "version_fetched_at": version.fetched_at.astimezone(zone).isoformat(),
                            "version_content_sha256": version.content_sha256})
            yield out


def neutralise(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return neutralise(json.dumps(value, ensure_ascii=False))
    return neutralise(str(value))


def write_csv(rows: Iterator[dict[str, Any]], out: TextIO, columns: Sequence[str] = COLUMNS) -> int:
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
