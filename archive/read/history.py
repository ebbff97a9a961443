"""One article's story: its versions with a unified diff between each, its URLs, and its ledger."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from archive.domain.identity import article_ref, parse_archive_id
from archive.domain.sites import normalise_host
from archive.storage.models import Article, ArticleEvent, ArticleUrl, ArticleVersion, SiteRow


@dataclass
class History:
    article: Article
    site: SiteRow
    urls: list[ArticleUrl]
    versions: list[ArticleVersion]
    events: list[ArticleEvent]


def find_article(session: Session, url: str) -> Article | None:
    """The article a URL names, in any of its shapes (http, /index.php/, old slug, redirected-from),
    or an ``archive_id`` as the export prints it (``{host}/{native key}``)."""
    ref = article_ref(url.strip())
    if ref is None:
        archive_id = parse_archive_id(url)
        if archive_id is None:
            return None
        host, native = archive_id
        site_id = session.scalar(select(SiteRow.id).where(SiteRow.host == normalise_host(host)))
        if site_id is None:
            return None
        return session.scalar(select(Article).where(Article.site_id == site_id, Article.native_id == native))
    host = normalise_host(ref.host)
    site_id = session.scalar(select(SiteRow.id).where(SiteRow.host == host))
    if site_id is None:
        return None
    article = session.scalar(select(Article).where(Article.site_id == site_id, Article.native_id == ref.native_id))
    if article is None:
        article_id = session.scalar(
            select(ArticleUrl.article_id).where(ArticleUrl.site_id == site_id, ArticleUrl.url == ref.canonical_url)
        )
        article = session.get(Article, article_id) if article_id else None
    return article


def load_history(engine: Engine, url: str) -> History | None:
    with Session(engine, expire_on_commit=False) as session:
        article = find_article(session, url)
        if article is None:
            return None
        site = session.get(SiteRow, article.site_id)
        assert site is not None
        urls = list(
            session.scalars(
                select(ArticleUrl)
                .where(ArticleUrl.article_id == article.id)
                .order_by(ArticleUrl.first_seen_at, ArticleUrl.id)
            )
        )
        versions = list(
            session.scalars(
                select(ArticleVersion).where(ArticleVersion.article_id == article.id).order_by(ArticleVersion.id)
            )
        )
        events = list(
            session.scalars(
                select(ArticleEvent)
                .where(ArticleEvent.article_id == article.id)
                .order_by(ArticleEvent.at, ArticleEvent.id)
            )
        )
        session.expunge_all()
    return History(article, site, urls, versions, events)


def version_text(version: ArticleVersion) -> list[str]:
    """What the diff compares: title, body paragraphs, attachment URLs."""
    lines = [f"# {version.title or ''}", ""]
    lines.extend(version.body_text.splitlines())
    lines.extend(f"[attachment] {a.get('url')}" for a in version.attachments or [])
    return lines


def render(history: History, zone: str | None = None) -> Iterator[str]:
    """The lines ``kpu-archive history`` prints."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone or history.site.timezone)

    def when(value: datetime | None) -> str:
        return value.astimezone(tz).isoformat(timespec="seconds") if value else "-"

    a = history.article
    yield f"{a.title or '(no title)'}"
    yield f"site      {history.site.host} ({history.site.name})"
    yield f"url       {a.url}"
    yield f"published {when(a.published_at)} ({a.published_source})"
    yield f"seen      first {when(a.first_seen_at)}, last {when(a.last_seen_at)}, checked {when(a.checked_at)}"
    if a.removed_at:
        yield f"REMOVED   since {when(a.removed_at)}: {a.removal_reason} (HTTP {a.removal_status}) at {a.removal_url}"
    elif a.removal_suspected_at:
        yield f"SUSPECTED gone since {when(a.removal_suspected_at)}: {a.removal_reason}, not confirmed yet"
    yield f"versions  {len(history.versions)}"
    if len(history.urls) > 1:
        yield "urls:"
        for u in history.urls:
            yield f"  {u.url}  ({u.via}, {when(u.first_seen_at)} .. {when(u.last_seen_at)})"
    yield ""
    yield "events:"
    for e in history.events:
        status = f" HTTP {e.http_status}" if e.http_status else ""
        detail = f": {e.detail}" if e.detail else ""
        yield f"  {when(e.at)}  {e.kind}{status}{detail}"
    previous: ArticleVersion | None = None
    for number, version in enumerate(history.versions, 1):
        yield ""
        yield f"version {number}  fetched {when(version.fetched_at)}  sha256 {version.content_sha256[:16]}"
        if previous is not None:
            yield from difflib.unified_diff(
                version_text(previous),
                version_text(version),
                lineterm="",
                n=1,
                fromfile=f"version {number - 1}",
                tofile=f"version {number}",
            )
        previous = version


def as_json(history: History) -> dict[str, Any]:
    """The history as one document (``history --format json``): times are ISO 8601 with their offset."""
    tz = ZoneInfo(history.site.timezone)

    def when(value: datetime | None) -> str | None:
        return value.astimezone(tz).isoformat() if value else None

    a = history.article
    versions, previous = [], None
    for number, version in enumerate(history.versions, 1):
        diff: list[str] = []
        if previous is not None:
            diff = list(difflib.unified_diff(version_text(previous), version_text(version), lineterm="", n=1))
        versions.append(
            {
                "version": number,
                "fetched_at": when(version.fetched_at),
                "url": version.url,
                "content_sha256": version.content_sha256,
                "title": version.title,
                "body_text": version.body_text,
                "attachments": version.attachments,
                "diff": diff,
            }
        )
        previous = version
    return {
        "archive_id": f"{history.site.host}/{a.native_id}",
        "site": history.site.host,
        "url": a.url,
        "title": a.title,
        "published_at": when(a.published_at),
        "published_source": a.published_source,
        "first_seen_at": when(a.first_seen_at),
        "last_seen_at": when(a.last_seen_at),
        "checked_at": when(a.checked_at),
        "removal_suspected_at": when(a.removal_suspected_at),
        "removed_at": when(a.removed_at),
        "removal_reason": a.removal_reason,
        "urls": [
            {"url": u.url, "via": u.via, "first_seen_at": when(u.first_seen_at), "last_seen_at": when(u.last_seen_at)}
            for u in history.urls
        ],
        "events": [
            {"at": when(e.at), "kind": e.kind, "http_status": e.http_status, "url": e.url, "detail": e.detail}
            for e in history.events
        ],
        "versions": versions,
    }
