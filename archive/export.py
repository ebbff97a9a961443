"""Stream archived articles out as CSV or JSONL, one row per article, oldest id first."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from .models import Article, Site

COLUMNS = ("site", "site_name", "level", "province", "url", "native_id", "category", "title", "published_at",
           "published_source", "credit", "view_count", "body_text", "images", "attachments", "hashtags",
           "first_seen_at", "last_seen_at", "content_sha256")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
_EARLIEST = ZoneInfo("Asia/Jayapura")  # +09: the first Indonesian midnight of a date
_LATEST = ZoneInfo("Asia/Jakarta")  # +07: the last


def iter_rows(engine: Engine, hosts: Sequence[str] = (), since: date | None = None,
              until: date | None = None) -> Iterator[dict[str, Any]]:
    """Export rows; ``since``/``until`` are calendar dates in each site's own zone (inclusive)."""
    stmt = select(Article, Site).join(Site, Site.id == Article.site_id).order_by(Article.id)
    if hosts:
        stmt = stmt.where(Site.host.in_(list(hosts)))
    if since:
        stmt = stmt.where(Article.published_at >= datetime.combine(since, time(), _EARLIEST))
    if until:
        stmt = stmt.where(Article.published_at < datetime.combine(until + timedelta(days=1), time(), _LATEST))
    with Session(engine) as session:
        for article, site in session.execute(stmt.execution_options(yield_per=1000)).tuples():
            zone = ZoneInfo(site.timezone)
            published = article.published_at.astimezone(zone) if article.published_at else None
            if published and ((since and published.date() < since) or (until and published.date() > until)):
                continue
            yield {
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
            }


def neutralise(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return neutralise(json.dumps(value, ensure_ascii=False))
    return neutralise(str(value))


def write_csv(rows: Iterator[dict[str, Any]], out: TextIO) -> int:
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in COLUMNS])
        count += 1
    return count


def write_jsonl(rows: Iterator[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps({c: row[c] for c in COLUMNS}, ensure_ascii=False) + "\n")
        count += 1
    return count
