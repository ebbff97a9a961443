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
DEGRADED_SHARE = 0.05  # more than this share of a run's articles failing an extraction check: degraded


@dataclass
class SiteStatus:
    host: str
    name: str
    timezone: str  # the site's own zone: its posts' times are shown in it
    articles: int
    newest_article: datetime | None
    last_run: datetime | None = None
    last_run_status: str | None = None
    last_success: datetime | None = None
    consecutive_failures: int = 0
    fallback: int = 0  # in the last good run: articles whose body came from the generic layer
    doubtful: int = 0  # in the last good run: articles whose body failed an extraction check
    fetched: int = 0  # in the last good run: articles fetched (new, updated, unchanged)
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


RunHistory = list[tuple[CrawlRun, dict[str, int]]]  # a site's runs, newest first, with its counts in each


def site_statuses(engine: Engine, hosts: list[str] | None = None, now: datetime | None = None) -> list[SiteStatus]:
    """Every site's health, from four queries: sites, article counts, recent post dates, recent runs."""
    now = now or utcnow()
    with Session(engine) as session:
        site_rows = session.execute(
            select(SiteRow.id, SiteRow.host, SiteRow.name, SiteRow.timezone).order_by(SiteRow.host)
        ).all()
        if hosts:
            site_rows = [r for r in site_rows if r.host in hosts]
        moment = func.coalesce(Article.published_at, Article.first_seen_at)
        counts = {
            sid: (n, newest)
            for sid, n, newest in session.execute(
                select(Article.site_id, func.count(Article.id), func.max(moment)).group_by(Article.site_id)
            )
        }
        recent: dict[int, list[datetime]] = defaultdict(list)
        rank = func.row_number().over(partition_by=Article.site_id, order_by=moment.desc()).label("rn")
        ranked = select(Article.site_id, moment.label("at"), rank).subquery()
        for sid, at in session.execute(select(ranked.c.site_id, ranked.c.at).where(ranked.c.rn <= RECENT_POSTS)):
            recent[sid].append(at)
        runs = session.scalars(
            select(CrawlRun).where(CrawlRun.mode != "recheck").order_by(CrawlRun.id.desc()).limit(RECENT_RUNS)
        ).all()
    per_host: dict[str, RunHistory] = defaultdict(list)
    for run in runs:  # newest first
        for host in run.sites:
            per_host[host].append((run, run.per_site.get(host, {})))
    out = []
    for sid, host, name, zone in site_rows:
        n, newest = counts.get(sid, (0, None))
        history = per_host.get(host, [])
        status = _from_runs(SiteStatus(host=host, name=name, timezone=zone, articles=n, newest_article=newest), history)
        if _silent(newest, recent.get(sid, []), now):
            status.flags.append("silent")
        if _template_changed(history):
            status.flags.append("template-changed")
        if _extraction_degraded(status):
            status.flags.append("extraction-degraded")
        out.append(status)
    return out


def _from_runs(status: SiteStatus, history: RunHistory) -> SiteStatus:
    """The last run and its result; the last success, its extraction counts, and the failures since."""
    for run, stats in history:
        if not _run_failed(run, stats):
            status.last_success = run.finished_at or run.started_at
            status.fallback, status.doubtful = stats.get("fallback", 0), stats.get("doubtful", 0)
            status.fetched = stats.get("new", 0) + stats.get("updated", 0) + stats.get("unchanged", 0)
            break
        status.consecutive_failures += 1
    if history:
        status.last_run = history[0][0].started_at
        status.last_run_status = "failed" if _run_failed(*history[0]) else "ok"
    return status


def _silent(newest: datetime | None, recent: list[datetime], now: datetime) -> bool:
    """No post for more than ``SILENT_FACTOR`` times the site's usual gap, and at least ``SILENT_MIN``."""
    dates = sorted((d for d in recent if d is not None), reverse=True)
    gaps = [(a - b).total_seconds() for a, b in zip(dates, dates[1:], strict=False) if a > b]
    if newest is None or len(gaps) < 3:
        return False
    usual = timedelta(seconds=statistics.median(gaps))
    return now - newest > max(SILENT_MIN, usual * SILENT_FACTOR)


def _template_changed(history: RunHistory) -> bool:
    """The last good run's listings showed no article link where earlier runs found many."""
    ok_runs = [(run, stats) for run, stats in history if not _run_failed(run, stats)]
    if len(ok_runs) < 2 or "listed" not in ok_runs[0][1]:
        return False
    earlier = [stats.get("listed", 0) for _, stats in ok_runs[1:11] if "listed" in stats]
    return ok_runs[0][1]["listed"] == 0 and bool(earlier) and statistics.median(earlier) >= TEMPLATE_MIN_LISTED


def _extraction_degraded(status: SiteStatus) -> bool:
    """More than ``DEGRADED_SHARE`` of the last good run's articles failed an extraction check: the site
    was probably rebuilt (``kpu-archive doctor --site H`` shows what each layer finds)."""
    return status.doubtful > 0 and status.doubtful > DEGRADED_SHARE * max(status.fetched, 1)
