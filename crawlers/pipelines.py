"""The one pipeline: hand items to the archive writer, which batches them (all DB logic is in archive/)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from scrapy import Spider
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
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        sites = list(getattr(spider, "sites", []))
        self.writer.register_sites(sites)
        run_id = self.writer.start_run([s.host for s in sites], mode=getattr(spider, "mode", "incremental"))
        self.crawler.stats.set_value("kpu/run_id", run_id)
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
        stats = self.crawler.stats
        reason = stats.get_value("finish_reason") or "finished"
        per_site: dict[str, dict[str, int]] = {}
        for key, value in stats.get_stats().items():
            if key.startswith("kpu/site/"):
                _, _, host, what = key.split("/", 3)
                per_site.setdefault(host, {})[what] = value
        status = "finished" if reason == "finished" else f"stopped: {reason}"
        self.writer.finish_run(status, stats.get_value("downloader/request_count", 0), per_site)
        self.engine.dispose()
