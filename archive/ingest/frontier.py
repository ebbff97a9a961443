"""The frontier: article URLs found but not yet stored, what a killed crawl resumes from.

A URL is marked done in the same transaction that stores its article (or its takedown evidence),
so a crawl killed at any moment either stored an article and knows it, or did not and fetches it
again.  A URL that failed ``MAX_FETCH_ATTEMPTS`` times is left to ``--recheck``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session

from archive.domain.records import DiscoveredLinks, FetchFailure
from archive.ingest.context import BatchContext, Result
from archive.storage.db import chunks, upsert
from archive.storage.models import Article, FrontierEntry
from archive.vocab import Outcome

MAX_FETCH_ATTEMPTS = 5  # a frontier URL that failed this often is left to --recheck, not retried every run


def write_discovered(session: Session, ctx: BatchContext, found: list[tuple[DiscoveredLinks, datetime]]) -> None:
    """New frontier rows; a URL already there (done or not) is left as it is."""
    rows = [
        {
            "site_id": ctx.site_id(d.host),
            "url": ref.canonical_url,
            "category_id": d.category_id,
            "category": d.category,
            "discovered_at": at,
            "attempts": 0,
        }
        for d, at in found
        for ref in d.refs
    ]
    if not rows:
        return
    stmt = upsert(session, FrontierEntry, ("site_id", "url"))
    for chunk in chunks(rows, 500):
        session.execute(stmt, chunk)


def done_row(
    site_id: int, url: str, category_id: str | None, category: str | None, at: datetime, error: str | None = None
) -> dict[str, Any]:
    """A frontier row marked done: fetched, or found gone (the reason kept as ``last_error``)."""
    return {
        "site_id": site_id,
        "url": url,
        "category_id": category_id,
        "category": category,
        "discovered_at": at,
        "done_at": at,
        "attempts": 1,
        "last_error": error,
    }


def mark_done(session: Session, rows: list[dict[str, Any]]) -> None:
    """Frontier rows done, one upsert for the batch."""
    if not rows:
        return
    stmt = upsert(session, FrontierEntry, ("site_id", "url"), ("done_at", "last_error"))
    session.execute(stmt, list({(r["site_id"], r["url"]): r for r in rows}.values()))


def write_failures(session: Session, ctx: BatchContext, failures: list[FetchFailure]) -> list[Result]:
    """Fetches that failed for good: one more attempt on the frontier row, and the article counts as
    checked (so ``--recheck`` moves on), but its removal state is left alone.  Two statements for the
    batch, whatever its size."""
    if not failures:
        return []
    frontier, articles = cast(Table, FrontierEntry.__table__), cast(Table, Article.__table__)  # Core: executemany
    rows = [{"b_site": ctx.site_id(f.host), "b_url": f.ref.canonical_url, "b_native": f.ref.native_id,
             "b_error": f.error[:500], "b_at": f.at} for f in failures]  # fmt: skip
    session.execute(
        update(frontier)
        .where(frontier.c.site_id == bindparam("b_site"), frontier.c.url == bindparam("b_url"))
        .values(attempts=frontier.c.attempts + 1, last_error=bindparam("b_error")),
        rows,
    )
    session.execute(
        update(articles)
        .where(articles.c.site_id == bindparam("b_site"), articles.c.native_id == bindparam("b_native"))
        .values(checked_at=bindparam("b_at")),
        rows,
    )
    return [Result(f.host, f.ref.canonical_url, None, (Outcome.NOTED,)) for f in failures]
