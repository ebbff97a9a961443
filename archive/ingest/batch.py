"""Batching: records queue up and are written together, one transaction per batch.

A batch is one transaction that holds the archive's write lock from its first statement: the
articles, their versions, URL history, events, cluster updates and the frontier rows that say they
are done commit together, so a crawl killed at any moment either stored an article and knows it,
or did not and fetches it again.  Each record yields a ``Result`` when its batch is written.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Engine

from archive.domain.records import (
    ArticleRecord,
    AttachmentRecord,
    DiscoveredLinks,
    FetchFailure,
    GoneRecord,
    ListingOrder,
    ListingWalk,
    Record,
)
from archive.ingest.attachments import write_attachments
from archive.ingest.context import BatchContext, Result
from archive.ingest.frontier import write_discovered, write_failures
from archive.ingest.listings import write_orders, write_walks
from archive.ingest.takedowns import write_checks
from archive.ingest.versions import write_articles
from archive.storage.db import write_transaction
from archive.storage.models import utcnow

DISCOVERED_PER_BATCH = 5  # frontier links are cheap: a batch holds this many times batch_size of them
COMMIT_SECONDS = 0.25  # a batch is written once its oldest record waited this long, however small it is


class BatchWriter:
    """Queues typed records and writes them ``batch_size`` at a time, or ``commit_seconds`` after
    the oldest of them came: a crawl killed at any moment loses at most that much work."""

    def __init__(
        self, engine: Engine, ctx: BatchContext, batch_size: int = 200, commit_seconds: float = COMMIT_SECONDS
    ) -> None:
        self.engine = engine
        self.ctx = ctx
        self.batch_size = max(1, batch_size)
        self.commit_seconds = commit_seconds
        self._since: float | None = None  # monotonic time the oldest queued record came
        self._articles: list[ArticleRecord] = []
        self._checks: list[GoneRecord] = []
        self._failures: list[FetchFailure] = []
        self._walks: list[tuple[ListingWalk, datetime]] = []
        self._discovered: list[tuple[DiscoveredLinks, datetime]] = []
        self._orders: list[tuple[ListingOrder, datetime]] = []
        self._attachments: list[AttachmentRecord] = []
        self._links = 0

    def add(self, record: Record) -> list[Result]:
        """Queue one record; returns the results of the batch it completed, if it completed one."""
        if isinstance(record, ArticleRecord):
            self._articles.append(record)
        elif isinstance(record, GoneRecord):
            self._checks.append(record)
        elif isinstance(record, FetchFailure):
            self._failures.append(record)
        elif isinstance(record, ListingWalk):
            self._walks.append((record, utcnow()))
        elif isinstance(record, DiscoveredLinks):
            self._discovered.append((record, utcnow()))
            self._links += len(record.refs)
        elif isinstance(record, ListingOrder):
            self._orders.append((record, utcnow()))
            self._links += len(record.refs)
        elif isinstance(record, AttachmentRecord):
            self._attachments.append(self._stored(record))
        else:
            raise TypeError(f"not a crawl record: {type(record).__name__}")
        if self._since is None:
            self._since = time.monotonic()
        if (
            len(self._articles) >= self.batch_size
            or len(self._checks) >= self.batch_size
            or self._links >= self.batch_size * DISCOVERED_PER_BATCH
        ):
            return self.flush()
        return self.flush_if_due()

    def flush_if_due(self) -> list[Result]:
        """Write the batch if its oldest record has waited ``commit_seconds``: called on every record
        and by the crawl's timer, so a quiet spell commits too."""
        if self._since is not None and time.monotonic() - self._since >= self.commit_seconds:
            return self.flush()
        return []

    def _stored(self, record: AttachmentRecord) -> AttachmentRecord:
        """The file goes to the store at once (a batch must not hold documents of up to 50 MB in
        memory); the record is queued without it."""
        if record.body and self.ctx.files is not None:
            self.ctx.files.put(record.sha256, record.body)
        return replace(record, body=b"")

    @property
    def queued(self) -> bool:
        return bool(
            self._articles or self._checks or self._failures or self._walks or self._discovered or self._orders
            or self._attachments
        )  # fmt: skip

    def flush(self) -> list[Result]:
        """Write everything queued in one transaction."""
        self._since = None
        if not self.queued:
            return []
        articles, checks, failures = self._articles, self._checks, self._failures
        walks, discovered, orders = self._walks, self._discovered, self._orders
        self._articles, self._checks, self._failures, self._walks, self._discovered = [], [], [], [], []
        self._orders = []
        attachments, self._attachments = self._attachments, []
        self._links = 0
        results: list[Result] = []
        hosts = {r.host for r in articles} | {r.host for r in checks} | {r.host for r in failures}
        hosts |= {w.host for w, _ in walks} | {d.host for d, _ in discovered} | {o.host for o, _ in orders}
        hosts |= {a.host for a in attachments}
        with write_transaction(self.engine, [self.ctx.site_id(h) for h in hosts]) as session:
            write_discovered(session, self.ctx, discovered)  # first: an article's done mark must win
            if articles:
                results += write_articles(session, self.ctx, articles)
            if checks:
                results += write_checks(session, self.ctx, checks)
            if failures:
                results += write_failures(session, self.ctx, failures)
            if walks:
                write_walks(session, self.ctx, walks)
            if orders:
                write_orders(session, self.ctx, orders)
            if attachments:
                write_attachments(session, self.ctx, attachments)
        return results
