"""Crawl runs: one ``crawl_runs`` row per run, its counts derived from the ingest outcomes.

Pages, requests, errors and listed links come from the crawler's stats; new, updated, unchanged,
removed, restored and suspected come from what ingest reported for each record.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from archive.ingest.context import Result
from archive.storage.models import CrawlRun, utcnow
from archive.vocab import Outcome

CRAWLER_STATS = ("pages", "requests", "errors", "listed", "fallback", "doubtful")  # per site, from the crawler
_OUTCOME_COUNTER = {
    Outcome.INSERTED: "new",
    Outcome.UPDATED: "updated",
    Outcome.UNCHANGED: "unchanged",
    Outcome.REMOVED: "removed",
    Outcome.RESTORED: "restored",
    Outcome.SUSPECTED: "suspected",
    Outcome.MERGED: "merged",
}


@dataclass
class SiteCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    restored: int = 0
    suspected: int = 0
    merged: int = 0
    pages: int = 0
    requests: int = 0
    errors: int = 0
    listed: int = 0  # article links the listing pages showed: 0 where there were many means a new template
    fallback: int = 0  # articles whose body came from the generic extraction layer
    doubtful: int = 0  # articles whose body failed a check in the layer that gave it

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class RunCounts:
    """Per-site counts of one run, fed with ingest results."""

    def __init__(self) -> None:
        self.sites: dict[str, SiteCounts] = defaultdict(SiteCounts)

    def __getitem__(self, host: str) -> SiteCounts:
        return self.sites[host]

    def add(self, results: Iterable[Result]) -> None:
        for result in results:
            counts = self.sites[result.host]
            for outcome in result.outcomes:
                name = _OUTCOME_COUNTER.get(outcome)
                if name:
                    setattr(counts, name, getattr(counts, name) + 1)

    def take_crawler_stats(self, per_site: Mapping[str, Mapping[str, int]]) -> None:
        for host, stats in per_site.items():
            for name in CRAWLER_STATS:
                setattr(self.sites[host], name, stats.get(name, 0))

    def totals(self) -> Counter[str]:
        totals = Counter[str]()
        for counts in self.sites.values():
            totals.update(counts.as_dict())
        return totals


def start_run(engine: Engine, hosts: Sequence[str], mode: str) -> int:
    with Session(engine) as session, session.begin():
        run = CrawlRun(started_at=utcnow(), sites=list(hosts), status="running", mode=mode)
        session.add(run)
        session.flush()
        return run.id


def finish_run(engine: Engine, run_id: int, status: str, requests: int, counts: RunCounts) -> None:
    """Close the run row with its counts."""
    totals = counts.totals()
    with Session(engine) as session, session.begin():
        session.execute(
            update(CrawlRun)
            .where(CrawlRun.id == run_id)
            .values(
                finished_at=utcnow(),
                status=status,
                requests=requests,
                pages=totals["pages"],
                articles_new=totals["new"],
                articles_updated=totals["updated"],
                articles_unchanged=totals["unchanged"],
                articles_removed=totals["removed"],
                articles_restored=totals["restored"],
                errors=totals["errors"],
                per_site={h: c.as_dict() for h, c in sorted(counts.sites.items())},
            )
        )
