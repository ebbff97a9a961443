"""A live per-site progress display while a crawl runs (stderr; a table on a terminal)."""

from __future__ import annotations

import sys
from collections import defaultdict
from typing import TYPE_CHECKING

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    from rich.live import Live
    from rich.table import Table


class SiteProgress:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None
        self.live: Live | None = None
        self.last: dict[str, tuple[int, ...]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteProgress:
        interval = crawler.settings.getfloat("KPU_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def rows(self) -> dict[str, list[int]]:
        table: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for key, value in self.crawler.stats.get_stats().items():
            if key.startswith("kpu/site/"):
                _, _, host, what = key.split("/", 3)
                slot = {"pages": 0, "articles": 1, "errors": 2}.get(what)
                if slot is not None:
                    table[host][slot] = value
        return dict(sorted(table.items()))

    def render(self) -> Table:
        from rich.table import Table

        table = Table(title="kpu-archive crawl", show_edge=False)
        for column in ("site", "pages", "articles", "errors"):
            table.add_column(column, justify="left" if column == "site" else "right")
        rows = self.rows()
        active = sorted(rows.items(), key=lambda kv: -sum(kv[1]))[:25]
        for host, (pages, articles, errors) in active:
            table.add_row(host, str(pages), str(articles), str(errors))
        if len(rows) > len(active):
            table.caption = f"{len(rows) - len(active)} more sites"
        return table

    def tick(self) -> None:
        if self.live is not None:
            self.live.update(self.render())
            return
        for host, counts in self.rows().items():
            if tuple(counts) != self.last.get(host):
                self.last[host] = tuple(counts)
                print(
                    f"progress {host}: {counts[0]} pages, {counts[1]} articles, {counts[2]} errors",
                    file=sys.stderr,
                    flush=True,
                )

    def spider_opened(self, spider: Spider) -> None:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.live import Live

            self.live = Live(self.render(), console=Console(stderr=True), refresh_per_second=2, transient=True)
            self.live.start()
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        if self.live is not None:
            self.live.stop()
        else:
            self.tick()
