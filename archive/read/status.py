"""How every site in the archive is doing, from its crawl runs and its articles.

A site's crawl *failed* when its run did not finish (killed, timed out, crashed) or when it fetched
no page at all (the site is down, or refused us).  ``consecutive_failures`` counts failed runs since
the last success.  Two flags point at sites that answer but no longer give us anything:

* ``silent``: no new post for much longer than the site's usual gap between posts
  (``SILENT_FACTOR`` × the median gap of its last posts, at least ``SILENT_MIN``);
* ``template-changed``: the last run found no article link on listing pages it fetched, where
  earlier runs found many: the markup has probably changed under the extractor.

A site is *failing* when its last run failed or its template changed; ``kpu-archive status`` exits
non-zero when any site is failing.  ``silent`` is a warning: a quiet site may simply be quiet.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from archive.storage.models import Article, CrawlRun, SiteRow, utcnow

SILENT_FACTOR = 5.0
SILENT_MIN = timedelta(days=14)
RECENT_POSTS = 30  # posts per site the usual gap is computed from
RECENT_RUNS = 5000  # runs read back (all sites together)
TEMPLATE_MIN_LISTED = 5  # "many": the median of earlier runs' listed links


@dataclass
class SiteStatus:
    host: str
    name: str
    timezone: str  # the site's own zone: its posts' times are shown in it
    articles: int
    newest_article: datetime | None
    last_run: datetime | None
    last_run_status: str | None
    last_success: datetime | None
    consecutive_failures: int
    flags: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0 or "template-changed" in self.flags

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("newest_article", "last_run", "last_success"):
            out[key] = out[key].isoformat() if out[key] else None
        if self.newest_article is not None:  # the site's own time, as its pages print it
            out["newest_article"] = self.newest_article.astimezone(ZoneInfo(self.timezone)).isoformat()
        out["failing"] = self.failing
        return out


def _run_failed(run: CrawlRun, stats: dict[str, int]) -> bool:
    if run.status == "running" or run.status.startswith("failed"):
        return True
    return stats.get("pages", 0) == 0


def site_statuses(engine: Engine, hosts: list[str] | None = None, now: datetime | None = None) -> list[SiteStatus]:
    now = now or utcnow()
    with Session(engine) as session:
        site_rows = session.execute(
            select(SiteRow.id, SiteRow.host, SiteRow.name, SiteRow.timezone).order_by(SiteRow.host)
        ).all()
        if hosts:
            site_rows = [r for r in site_rows if r.host in hosts]
        counts = {
            sid: (n, newest)
            for sid, n, newest in session.execute(
                select(
                    Article.site_id,
                    func.count(Article.id),
                    func.max(func.coalesce(Article.published_at, Article.first_seen_at)),
                ).group_by(Article.site_id)
            )
        }
        recent: dict[int, list[datetime]] = defaultdict(list)
        ranked = select(
            Article.site_id,
            func.coalesce(Article.published_at, Article.first_seen_at).label("at"),
            func.row_number()
            .over(
                partition_by=Article.site_id, order_by=func.coalesce(Article.published_at, Article.first_seen_at).desc()
            )
            .label("rn"),
        ).subquery()
        for sid, at in session.execute(select(ranked.c.site_id, ranked.c.at).where(ranked.c.rn <= RECENT_POSTS)):
            recent[sid].append(at)
        runs = list(
            session.scalars(
                select(CrawlRun).where(CrawlRun.mode != "recheck").order_by(CrawlRun.id.desc()).limit(RECENT_RUNS)
            )
        )
    per_host: dict[str, list[tuple[CrawlRun, dict[str, int]]]] = defaultdict(list)
    for run in runs:  # newest first
        for host in run.sites:
            per_host[host].append((run, run.per_site.get(host, {})))

    out = []
    for sid, host, name, zone in site_rows:
        n, newest = counts.get(sid, (0, None))
        history = per_host.get(host, [])
        failures = 0
        last_success = None
        for run, stats in history:
            if _run_failed(run, stats):
                if last_success is None:
                    failures += 1
            else:
                last_success = run.finished_at or run.started_at
                break
        status = SiteStatus(
            host=host,
            name=name,
            timezone=zone,
            articles=n,
            newest_article=newest,
            last_run=history[0][0].started_at if history else None,
            last_run_status=("failed" if _run_failed(*history[0]) else "ok") if history else None,
            last_success=last_success,
            consecutive_failures=failures,
        )
        dates = sorted((d for d in recent.get(sid, []) if d is not None), reverse=True)
        gaps = [(a - b).total_seconds() for a, b in zip(dates, dates[1:], strict=False) if a > b]
        if newest is not None and len(gaps) >= 3:
            usual = timedelta(seconds=statistics.median(gaps))
            if now - newest > max(SILENT_MIN, usual * SILENT_FACTOR):
                status.flags.append("silent")
        ok_runs = [(run, stats) for run, stats in history if not _run_failed(run, stats)]
        if len(ok_runs) >= 2 and "listed" in ok_runs[0][1]:
            earlier = [stats.get("listed", 0) for _, stats in ok_runs[1:11] if "listed" in stats]
            if ok_runs[0][1]["listed"] == 0 and earlier and statistics.median(earlier) >= TEMPLATE_MIN_LISTED:
                status.flags.append("template-changed")
        out.append(status)
    return out
