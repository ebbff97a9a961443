"""Who repeated what KPU RI said, and when (``kpu-archive propagation``).

A national release is a post on a ``nasional`` site; its copies are the regional posts in its
syndication cluster.  Per release: how many regional sites re-posted it, the median lag of their
first copies (published, else first seen), and the provinces where no site did.  Per regional site:
the share of the national releases it re-posted.  Provinces and sites are those the archive holds.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.storage.db import chunks
from archive.storage.models import Article, SiteRow

NATIONAL = "nasional"
NATIONAL_ZONE = ZoneInfo("Asia/Jakarta")  # KPU RI dates in WIB: ``--since`` is a WIB date


@dataclass
class Release:
    host: str
    title: str | None
    url: str
    when: datetime
    sites: int  # regional sites with a copy
    median_lag_hours: float | None
    provinces_without: list[str]


@dataclass
class SiteShare:
    host: str
    province: str
    level: str
    reposted: int
    releases: int

    @property
    def share(self) -> float | None:
        return self.reposted / self.releases if self.releases else None


def propagation(session: Session, since: date | None = None) -> tuple[list[Release], list[SiteShare]]:
    site_rows = select(SiteRow.id, SiteRow.host, SiteRow.province, SiteRow.level).where(SiteRow.level != NATIONAL)
    regional = {sid: (host, province, level) for sid, host, province, level in session.execute(site_rows)}
    provinces = sorted({province for _, province, _ in regional.values()})
    stmt = (
        select(
            Article.id,
            Article.cluster_id,
            SiteRow.host,
            Article.title,
            Article.url,
            Article.published_at,
            Article.first_seen_at,
        )  # fmt: skip
        .join(SiteRow, SiteRow.id == Article.site_id)
        .where(SiteRow.level == NATIONAL, Article.removed_at.is_(None))
    )
    if since:
        stmt = stmt.where(Article.published_at >= datetime.combine(since, time(), NATIONAL_ZONE))
    national = session.execute(stmt.order_by(Article.published_at.desc(), Article.id)).all()
    clusters = sorted({row.cluster_id for row in national if row.cluster_id is not None})
    first_copy: dict[int, dict[int, datetime]] = defaultdict(dict)  # cluster -> site -> its first copy
    for part in chunks(clusters, 500):
        for cluster_id, site_id, published, first_seen in session.execute(
            select(Article.cluster_id, Article.site_id, Article.published_at, Article.first_seen_at).where(
                Article.cluster_id.in_(part), Article.site_id.in_(list(regional)), Article.removed_at.is_(None)
            )
        ):
            when = published or first_seen
            copies = first_copy[cluster_id or 0]  # selected by cluster id: never None
            copies[site_id] = min(when, copies.get(site_id, when))
    releases: list[Release] = []
    reposted: dict[int, int] = defaultdict(int)
    for row in national:
        when = row.published_at or row.first_seen_at
        copies = first_copy.get(row.cluster_id, {}) if row.cluster_id is not None else {}
        lags = [(at - when).total_seconds() / 3600 for at in copies.values()]
        covered = {regional[s][1] for s in copies}
        for site_id in copies:
            reposted[site_id] += 1
        releases.append(Release(row.host, row.title, row.url, when, len(copies),
                                round(statistics.median(lags), 1) if lags else None,
                                [p for p in provinces if p not in covered]))  # fmt: skip
    shares = [SiteShare(host, province, level, reposted.get(sid, 0), len(national))
              for sid, (host, province, level) in regional.items()]  # fmt: skip
    shares.sort(key=lambda s: (-(s.share or 0), s.host))
    return releases, shares
