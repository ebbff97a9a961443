"""The one pipeline: hand items to the archive writer, which batches them (all DB logic is in archive/)."""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from archive.db import open_engine
from archive.store import ArchiveWriter

from .items import ArticleItem, DiscoveredItem, GoneItem, ListingWalkItem


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.engine = open_engine(settings.get("KPU_ARCHIVE_DB"))
        self.writer = ArchiveWriter(
            self.engine, batch_size=settings.getint("KPU_BATCH_SIZE", 200),
            confirm_after=timedelta(hours=settings.getfloat("KPU_REMOVAL_CONFIRM_HOURS", 12.0)))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        sites = list(getattr(spider, "sites", []))
        self.writer.register_sites(sites)
        run_id = self.writer.start_run([s.host for s in sites], mode=getattr(spider, "mode", "incremental"))
        self.crawler.stats.set_value("kpu/run_id", run_id)
        run_id_file = os.environ.get("KPU_RUN_ID_FILE")  # the scheduler's way to know which run a child made
        if run_id_file:
            Path(run_id_file).write_text(str(run_id), encoding="utf-8")
        spider.archive_writer = self.writer  # type: ignore[union-attr]

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, ArticleItem):
            self.writer.add_article(asdict(item))
        elif isinstance(item, GoneItem):
            self.writer.add_check(asdict(item))
        elif isinstance(item, DiscoveredItem):
            self.writer.add_discovered(item.host, item.urls, item.category_id, item.category)
        elif isinstance(item, ListingWalkItem):
            self.writer.add_listing_walk(item.host, item.category_id, item.pages, item.completed, item.open)
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        """Store what is still batched; the run row is closed on ``spider_closed``, which knows why."""
        self.writer.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        # Scrapy calls pipelines' close_spider before it records finish_reason, so the reason (finished,
        # shutdown on SIGTERM, closespider_timeout, ...) comes from this signal instead
        stats = self.crawler.stats
        per_site: dict[str, dict[str, int]] = {}
        for key, value in stats.get_stats().items():
            if key.startswith("kpu/site/"):
                _, _, host, what = key.split("/", 3)
                per_site.setdefault(host, {})[what] = value
        status = "finished" if reason == "finished" else f"stopped: {reason}"
        self.writer.finish_run(status, stats.get_value("downloader/request_count", 0), per_site)
        self.engine.dispose()
