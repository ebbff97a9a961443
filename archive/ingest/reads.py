"""What a crawl asks the archive before it fetches: each question one query.

Left-over frontier URLs of a killed run, the articles due for a recheck, which listed articles are
archived already (with their titles), and how far each category walk got.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, case, func, select
from sqlalchemy.orm import Session

from archive.domain.identity import ArticleRef
from archive.domain.records import PendingFetch, WarcRef
from archive.ingest.frontier import MAX_FETCH_ATTEMPTS
from archive.storage.models import Article, ArticleVersion, FrontierEntry, ListingState, SiteRow


@dataclass(frozen=True, slots=True)
class StoredPage:
    """The raw page an article's current content was read from: what ``reextract`` reads again."""

    host: str
    timezone: str
    url: str
    category_id: str | None
    category: str | None
    fetched_at: datetime
    http_status: int
    raw_html: bytes
    warc: WarcRef | None = None  # the version's WARC record, where the crawl wrote one


WalkStates = dict[tuple[str, str], tuple[bool, int]]  # (host, category) -> (walked to the end, open page)


def pending_urls(engine: Engine, hosts: Sequence[str]) -> list[PendingFetch]:
    """Article URLs an earlier run found but never stored, oldest first."""
    if not hosts:
        return []
    with Session(engine) as session:
        rows = session.execute(
            select(SiteRow.host, FrontierEntry.url, FrontierEntry.category_id, FrontierEntry.category)
            .join(SiteRow, SiteRow.id == FrontierEntry.site_id)
            .where(
                SiteRow.host.in_(list(hosts)),
                FrontierEntry.done_at.is_(None),
                FrontierEntry.attempts < MAX_FETCH_ATTEMPTS,
            )
            .order_by(FrontierEntry.id)
        ).all()
    return [PendingFetch(*row) for row in rows]


def recheck_targets(engine: Engine, hosts: Sequence[str], limit: int) -> list[PendingFetch]:
    """Archived articles to fetch again: unconfirmed removals first, then least recently checked."""
    if not hosts or limit <= 0:
        return []
    with Session(engine) as session:
        rows = session.execute(
            select(SiteRow.host, Article.url, Article.category_id, Article.category)
            .join(SiteRow, SiteRow.id == Article.site_id)
            .where(SiteRow.host.in_(list(hosts)))
            .order_by(
                case((and_(Article.removal_suspected_at.is_not(None), Article.removed_at.is_(None)), 0), else_=1),
                Article.checked_at.is_not(None),
                Article.checked_at,
                Article.id,
            )
            .limit(limit)
        ).all()
    return [PendingFetch(*row) for row in rows]


def known_titles(engine: Engine, host: str, refs: Sequence[ArticleRef]) -> dict[str, str | None]:
    """Which of these articles are archived and not removed, by canonical URL, with their stored titles."""
    if not refs:
        return {}
    with Session(engine) as session:
        rows = session.execute(
            select(Article.native_id, Article.title)
            .join(SiteRow, SiteRow.id == Article.site_id)
            .where(
                SiteRow.host == host, Article.native_id.in_({r.native_id for r in refs}), Article.removed_at.is_(None)
            )
        ).all()
    titles: dict[str, str | None] = {native: title for native, title in rows}
    return {ref.canonical_url: titles[ref.native_id] for ref in refs if ref.native_id in titles}


def walk_states(engine: Engine, hosts: Sequence[str]) -> WalkStates:
    """Per (host, category): walked to its end at least once?, and the page an unfinished walk reached."""
    if not hosts:
        return {}
    with Session(engine) as session:
        rows = session.execute(
            select(SiteRow.host, ListingState.category_id, ListingState.completed_at, ListingState.open_page)
            .join(SiteRow, SiteRow.id == ListingState.site_id)
            .where(SiteRow.host.in_(list(hosts)))
        )
        return {
            (host, category): (completed is not None, open_page or 0) for host, category, completed, open_page in rows
        }


def stored_pages(engine: Engine, hosts: Sequence[str] | None = None, batch: int = 500) -> Iterator[StoredPage]:
    """Each article's latest version with its raw HTML, streamed (``hosts``: only these sites)."""
    latest = select(func.max(ArticleVersion.id)).group_by(ArticleVersion.article_id)
    stmt = (
        select(SiteRow.host, SiteRow.timezone, Article.url, Article.category_id, Article.category,
               ArticleVersion.fetched_at, ArticleVersion.http_status, ArticleVersion.raw_html_zlib,
               ArticleVersion.warc_file, ArticleVersion.warc_record_id, ArticleVersion.warc_offset)
        .join(Article, Article.id == ArticleVersion.article_id).join(SiteRow, SiteRow.id == Article.site_id)
        .where(ArticleVersion.id.in_(latest)).order_by(ArticleVersion.article_id)
    )  # fmt: skip
    if hosts:
        stmt = stmt.where(SiteRow.host.in_(list(hosts)))
    with Session(engine) as session:
        for host, zone, url, category_id, category, fetched_at, status, raw, file, record, offset in session.execute(
            stmt.execution_options(yield_per=batch)
        ):
            warc = WarcRef(file, record, offset) if file and record and offset is not None else None
            yield StoredPage(host, zone, url, category_id, category, fetched_at, status, zlib.decompress(raw), warc)


def known_attachments(engine: Engine) -> tuple[set[str], set[str]]:
    """(attachment URLs that gave a file or are gone, the files' SHA-256): what a crawl need not fetch
    or read again."""
    from archive.storage.models import AttachmentFile, AttachmentUrl

    with Session(engine) as session:
        # a URL that gave a file, or answered 404/410, is not asked again: a takedown is not retried each run
        urls = set(session.scalars(select(AttachmentUrl.url).where(
            (AttachmentUrl.sha256.is_not(None)) | AttachmentUrl.http_status.in_((404, 410)))))  # fmt: skip
        files = set(session.scalars(select(AttachmentFile.sha256)))
    return urls, files
