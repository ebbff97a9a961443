"""The one entry point from a crawl into the archive: typed records in, outcomes out.

An ``IngestSession`` belongs to one crawl.  It registers the crawl's sites, opens its run, writes
records in batches (``BatchWriter``), counts what they did, closes the run, and answers what the
crawl needs to read before it fetches: left-over frontier URLs, recheck targets, known titles,
walk states.  The crawl gets no database engine of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from archive.domain.identity import ArticleRef
from archive.domain.records import PendingFetch, Record
from archive.domain.sites import Site
from archive.ingest import reads
from archive.ingest.batch import COMMIT_SECONDS, BatchWriter
from archive.ingest.context import BatchContext, Result
from archive.ingest.runs import RunCounts, finish_run, start_run
from archive.ingest.years import settle_years
from archive.storage.db import chunks, dialect_insert, open_engine
from archive.storage.files import FileStore, default_store_dir
from archive.storage.models import SiteRow

SITE_COLUMNS = ("name", "level", "province", "timezone", "host_source")


class IngestSession:
    """Write one crawl's records into an archive, and read what that crawl needs to know."""

    def __init__(
        self,
        engine: Engine,
        sites: Sequence[Site],
        *,
        mode: str = "incremental",
        batch_size: int = 200,
        commit_seconds: float = COMMIT_SECONDS,
        confirm_after: timedelta = timedelta(hours=12),
        cluster: bool = True,
        run: bool = True,
        owns_engine: bool = False,
        attachments_dir: Path | None = None,
    ) -> None:
        self.engine = engine
        self.hosts = [s.host for s in sites]
        self.counts = RunCounts()
        self._owns_engine = owns_engine
        site_ids = register_sites(engine, sites)
        run_id = start_run(engine, self.hosts, mode) if run else None
        self.ctx = BatchContext(
            run_id=run_id,
            confirm_after=confirm_after,
            cluster=cluster,
            site_ids=site_ids,
            reextract=mode == "reextract",
            files=FileStore(attachments_dir) if attachments_dir is not None else None,
        )
        self._known_attachments: tuple[set[str], set[str]] | None = None
        self.writer = BatchWriter(engine, self.ctx, batch_size, commit_seconds)

    @classmethod
    def open(
        cls,
        db_url: str | None,
        sites: Sequence[Site],
        *,
        mode: str = "incremental",
        batch_size: int = 200,
        commit_seconds: float = COMMIT_SECONDS,
        confirm_after: timedelta = timedelta(hours=12),
        cluster: bool = True,
        attachments: bool = False,
        attachments_dir: str | None = None,
    ) -> IngestSession:
        """Open (creating or upgrading) the archive at ``db_url`` for one crawl, and start its run.
        ``attachments``: keep the files the crawl downloads, in ``attachments_dir`` or beside the archive."""
        return cls(
            open_engine(db_url),
            sites,
            mode=mode,
            batch_size=batch_size,
            commit_seconds=commit_seconds,
            confirm_after=confirm_after,
            cluster=cluster,
            owns_engine=True,
            attachments_dir=default_store_dir(db_url, attachments_dir) if attachments else None,
        )

    @property
    def run_id(self) -> int | None:
        return self.ctx.run_id

    # ---- writes -----------------------------------------------------------------------------

    def add(self, record: Record) -> list[Result]:
        """Queue one record; the results of any batch this completed are returned (and counted)."""
        results = self.writer.add(record)
        self.counts.add(results)
        return results

    def flush_if_due(self) -> list[Result]:
        """Write what is queued if it has waited long enough (the crawl's commit timer calls this)."""
        results = self.writer.flush_if_due()
        self.counts.add(results)
        return results

    def flush(self) -> list[Result]:
        results = self.writer.flush()
        self.counts.add(results)
        return results

    def close(
        self, status: str = "finished", requests: int = 0, crawler_stats: Mapping[str, Mapping[str, int]] | None = None
    ) -> None:
        """Store what is still queued, settle the year-less dates of the sites it touched, and close
        the run row with its counts."""
        self.checkpoint()
        if self.ctx.run_id is not None:
            self.counts.take_crawler_stats(crawler_stats or {})
            finish_run(self.engine, self.ctx.run_id, status, requests, self.counts)
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> IngestSession:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close("finished" if exc is None else f"failed: {type(exc).__name__}")

    # ---- reads ------------------------------------------------------------------------------

    def pending(self, hosts: Sequence[str] | None = None) -> list[PendingFetch]:
        """Article URLs an earlier, killed run found but never stored (of ``hosts``: default, all)."""
        return reads.pending_urls(self.engine, self._of(hosts))

    def recheck_targets(self, limit: int, hosts: Sequence[str] | None = None) -> list[PendingFetch]:
        return reads.recheck_targets(self.engine, self._of(hosts), limit)

    def known_titles(self, host: str, refs: Sequence[ArticleRef]) -> dict[str, str | None]:
        return reads.known_titles(self.engine, host, refs)

    def walk_states(self, hosts: Sequence[str] | None = None) -> reads.WalkStates:
        return reads.walk_states(self.engine, self._of(hosts))

    def attachment_known(self, url: str) -> bool:
        """Has this attachment URL given a file already (in an earlier run or this one)?"""
        return url in self._attachments()[0]

    def file_known(self, sha256: str) -> bool:
        """Does the archive hold this file already (so its text need not be read again)?"""
        return sha256 in self._attachments()[1]

    def note_attachment(self, url: str, sha256: str) -> None:
        urls, files = self._attachments()
        urls.add(url)
        files.add(sha256)

    def _attachments(self) -> tuple[set[str], set[str]]:
        if self._known_attachments is None:  # one query, on the first attachment a crawl meets
            self._known_attachments = reads.known_attachments(self.engine)
        return self._known_attachments

    def _of(self, hosts: Sequence[str] | None) -> Sequence[str]:
        """The sites a read is about: those named, else all of the crawl's."""
        return self.hosts if hosts is None else hosts

    def checkpoint(self) -> None:
        """Store what is queued and settle the year-less dates of the sites written so far: what a
        long-running worker does after each batch of sites, as a crawl does at its end."""
        self.flush()
        if self.ctx.dating:
            settle_years(self.engine, self.ctx.dating)
            self.ctx.dating.clear()


def register_sites(engine: Engine, sites: Sequence[Site]) -> dict[str, int]:
    """Insert or refresh the rows of these sites; their row ids by host."""
    rows = [{"host": s.host, **{c: getattr(s, c) for c in SITE_COLUMNS}} for s in sites]
    ids: dict[str, int] = {}
    if not rows:
        return ids
    with Session(engine) as session, session.begin():
        stmt = dialect_insert(session, SiteRow)
        stmt = stmt.on_conflict_do_update(
            index_elements=["host"], set_={c: getattr(stmt.excluded, c) for c in SITE_COLUMNS}
        )
        for chunk in chunks(rows, 500):
            session.execute(stmt, chunk)
        for chunk in chunks([r["host"] for r in rows], 500):
            for host, site_id in session.execute(select(SiteRow.host, SiteRow.id).where(SiteRow.host.in_(chunk))):
                ids[host] = site_id
    return ids
