"""The largest syndication clusters and each copy's lag behind its origin (``kpu-archive clusters``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.storage.models import Article, Cluster, SiteRow


@dataclass
class Copy:
    article_id: int
    host: str
    level: str
    title: str | None
    url: str
    when: datetime  # published, else first seen
    dated: bool  # True when ``when`` is the published date
    lag_hours: float  # behind the origin


@dataclass
class ClusterReport:
    id: int
    size: int
    origin: Copy
    copies: list[Copy]  # the origin first, then by lag


def largest_clusters(session: Session, limit: int = 20, host: str | None = None) -> list[ClusterReport]:
    """The biggest clusters (optionally those with a copy on ``host``), each copy's lag behind the origin."""
    stmt = select(Cluster.id).order_by(Cluster.size.desc(), Cluster.id).limit(limit)
    if host:
        stmt = stmt.where(
            Cluster.id.in_(
                select(Article.cluster_id).join(SiteRow, SiteRow.id == Article.site_id).where(SiteRow.host == host)
            )
        )
    ids = list(session.scalars(stmt))
    if not ids:
        return []
    rows = session.execute(
        select(
            Article.cluster_id,
            Article.id,
            SiteRow.host,
            SiteRow.level,
            Article.title,
            Article.url,
            Article.published_at,
            Article.first_seen_at,
            Cluster.origin_article_id,
        )
        .join(SiteRow, SiteRow.id == Article.site_id)
        .join(Cluster, Cluster.id == Article.cluster_id)
        .where(Article.cluster_id.in_(ids))
    ).all()
    members: dict[int, list[Copy]] = defaultdict(list)
    origins: dict[int, int] = {}
    for cluster_id, article_id, h, level, title, url, published, first_seen, origin_id in rows:
        assert cluster_id is not None  # selected by cluster id
        members[cluster_id].append(
            Copy(article_id, h, level, title, url, published or first_seen, published is not None, 0.0)
        )
        origins[cluster_id] = origin_id
    reports = []
    for cluster_id in ids:
        copies = members[cluster_id]
        origin = next(c for c in copies if c.article_id == origins[cluster_id])
        for c in copies:
            c.lag_hours = (c.when - origin.when).total_seconds() / 3600
        copies.sort(key=lambda c: (c is not origin, c.lag_hours, c.host))
        reports.append(ClusterReport(cluster_id, len(copies), origin, copies))
    return reports
