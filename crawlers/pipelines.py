"""The one pipeline: it owns the crawl's ``IngestSession`` and hands it every record unchanged.

The spider reads what it needs (known titles, frontier, walk states, recheck targets) through
``ArchivePipeline.session_of(crawler)``; all database logic is in ``archive.ingest``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from twisted.internet.task import LoopingCall

from archive.domain.records import (
    ArticleRecord,
    AttachmentRecord,
    DiscoveredLinks,
    FetchFailure,
    GoneRecord,
    ListingOrder,
    ListingWalk,
)
from archive.ingest import IngestSession

RECORD_TYPES = (ArticleRecord, GoneRecord, FetchFailure, ListingWalk, DiscoveredLinks, ListingOrder, AttachmentRecord)


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._session: IngestSession | None = None
        self._timer: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    @staticmethod
    def session_of(crawler: Crawler) -> IngestSession:
        """The ingest session of this crawl (open from the moment the spider is opened)."""
        pipeline = crawler.get_item_pipeline(ArchivePipeline)
        if pipeline is None:
            raise RuntimeError("the kpu spider needs crawlers.pipelines.ArchivePipeline in ITEM_PIPELINES")
        return pipeline.session

    @property
    def session(self) -> IngestSession:
        if self._session is None:
            raise RuntimeError("the archive session opens with the spider")
        return self._session

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        settings = self.crawler.settings
        self._session = IngestSession.open(
            settings.get("KPU_ARCHIVE_DB"),
            list(getattr(spider, "sites", [])),
            mode=getattr(spider, "mode", "incremental"),
            batch_size=settings.getint("KPU_BATCH_SIZE"),
            commit_seconds=settings.getfloat("KPU_COMMIT_SECONDS"),
            confirm_after=timedelta(hours=settings.getfloat("KPU_REMOVAL_CONFIRM_HOURS")),
            attachments=settings.getbool("KPU_ATTACHMENTS"),
            attachments_dir=settings.get("KPU_ATTACHMENTS_DIR"),
        )
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("kpu/run_id", self._session.run_id)
        interval = settings.getfloat("KPU_COMMIT_SECONDS")
        if interval > 0:  # a quiet spell (slow sites, long backoffs) commits what came before it
            self._timer = LoopingCall(self._commit_if_due)
            self._timer.start(interval, now=False)
        run_id_file = os.environ.get("KPU_RUN_ID_FILE")  # the scheduler's way to know which run a child made
        if run_id_file:
            Path(run_id_file).write_text(str(self._session.run_id), encoding="utf-8")

    def process_item(self, item: object, spider: Spider | None = None) -> object:
        if isinstance(item, RECORD_TYPES):
            self.session.add(item)
        return item

    def _commit_if_due(self) -> None:
        if self._session is not None:
            self._session.flush_if_due()

    def close_spider(self, spider: Spider | None = None) -> None:
        """Store what is still batched; the run row is closed on ``spider_closed``, which knows why."""
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        if self._session is not None:
            self._session.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        # Scrapy calls pipelines' close_spider before it records finish_reason, so the reason (finished,
        # shutdown on SIGTERM, closespider_timeout, ...) comes from this signal instead
        if self._session is None:
            return
        stats = self.crawler.stats
        assert stats is not None
        per_site: dict[str, dict[str, int]] = {}
        for key, value in stats.get_stats().items():
            if key.startswith("kpu/site/"):
                _, _, host, what = key.split("/", 3)
                per_site.setdefault(host, {})[what] = value
        status = "finished" if reason == "finished" else f"stopped: {reason}"
        self._session.close(status, stats.get_value("downloader/request_count", 0), per_site)
        self._session = None
