"""Attachment lineage: each stored file, every post and site that carries it, and who posted it first.

"First" is the carrying post with the earliest publication time (first seen where a post states no
date), the same rule as a syndication cluster's origin; the file's first fetch (site and time) is
given beside it, since a file can be fetched first from a later copy.  Removed posts stay in the
lineage, marked ``removed``: a takedown never loses the files a post carried.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from archive.storage.db import chunks
from archive.storage.models import Article, ArticleAttachment, AttachmentFile, AttachmentUrl, SiteRow


def lineage(engine: Engine, sha256: str | None = None, host: str | None = None) -> list[dict[str, Any]]:
    """One entry per file (newest first), filtered to one file or to the files one site's posts carry."""
    with Session(engine) as session:
        files_stmt = select(AttachmentFile, SiteRow.host).join(SiteRow, SiteRow.id == AttachmentFile.first_site_id)
        if sha256:
            files_stmt = files_stmt.where(AttachmentFile.sha256 == sha256.lower())
        if host:
            carried = (
                select(AttachmentUrl.sha256)
                .join(ArticleAttachment, ArticleAttachment.url == AttachmentUrl.url)
                .join(Article, Article.id == ArticleAttachment.article_id)
                .join(SiteRow, SiteRow.id == Article.site_id)
                .where(SiteRow.host == host)
            )
            files_stmt = files_stmt.where(AttachmentFile.sha256.in_(carried))
        files = session.execute(files_stmt.order_by(AttachmentFile.first_seen_at.desc(), AttachmentFile.id)).all()
        posts = _posts(session, [f.sha256 for f, _ in files])
    out = []
    for file, first_host in files:
        carrying = sorted(posts.get(file.sha256, []), key=lambda p: (p["_when"], p["archive_id"]))
        first = carrying[0] if carrying else None
        out.append({
            "sha256": file.sha256, "size": file.size, "content_type": file.content_type, "path": file.path,
            "text_source": file.text_source, "text_chars": len(file.text or ""),
            "first_fetched_at": file.first_seen_at.isoformat(), "first_fetched_site": first_host,
            "first_fetched_url": file.first_url,
            "first_posted_by": first["site"] if first else None, "first_post": first["archive_id"] if first else None,
            "sites": len({p["site"] for p in carrying}), "posts": [{k: v for k, v in p.items() if k != "_when"}
                                                                    for p in carrying],
        })  # fmt: skip
    return out


def _posts(session: Session, hashes: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    by_file: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[str, int]] = set()
    for chunk in chunks(list(hashes), 500):
        rows = session.execute(
            select(AttachmentUrl.sha256, AttachmentUrl.url, Article, SiteRow.host, SiteRow.timezone)
            .join(ArticleAttachment, ArticleAttachment.url == AttachmentUrl.url)
            .join(Article, Article.id == ArticleAttachment.article_id)
            .join(SiteRow, SiteRow.id == Article.site_id)
            .where(AttachmentUrl.sha256.in_(chunk))
        )
        for sha, url, article, host, timezone in rows:
            if sha is None or (sha, article.id) in seen:  # one post linking the same file under two URLs
                continue
            seen.add((sha, article.id))
            published = article.published_at.astimezone(ZoneInfo(timezone)) if article.published_at else None
            by_file.setdefault(sha, []).append({
                "site": host, "archive_id": f"{host}/{article.native_id}", "url": article.url, "title": article.title,
                "published_at": published.isoformat() if published else None, "attachment_url": url,
                "status": "removed" if article.removed_at else "suspected" if article.removal_suspected_at else "live",
                "_when": article.published_at or article.first_seen_at,
            })  # fmt: skip
    return by_file
