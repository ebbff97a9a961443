"""The same spider as a worker of a distributed crawl: it takes site jobs from Redis (scrapy-redis's
``RedisMixin``), leases each site for as long as it crawls it, and writes to the shared archive.

The requests of the sites it owns wait in scrapy-redis's scheduler, a Redis queue and dupefilter per
site (``crawlers.site_requests``), taken from the site whose download slot is least busy.  What
a site needs comes from the archive, as for a single crawl: the frontier's unfetched URLs first,
the walk states, the known titles.  A worker killed at any moment loses nothing: its leases expire, another worker
puts its sites back on the queue (``SiteQueue.reap``) and crawls them from what the frontier says
is left, walking each listing on from where the dead one was.

It exits once no site has been queued or crawled anywhere for ``KPU_WORKER_IDLE_EXIT`` seconds
(0: it waits for work for ever).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.spiders import RedisMixin
from twisted.internet.task import LoopingCall

from archive.domain.sites import Site

from ..queue import HEARTBEAT_SECONDS, JOBS, SiteJob, SiteQueue
from .kpu import KpuSpider

TICK_SECONDS = 1.0
DONE_TICKS = 2  # a site with no work for this many ticks in a row is done (a callback may be between yields)


class KpuWorkerSpider(RedisMixin, KpuSpider):
    name = "kpu-worker"
    redis_key = JOBS

    def __init__(self, *args: Any, worker: str = "", idle_exit: str | float = 0, **kwargs: Any) -> None:
        kwargs.setdefault("sites", "all")
        super().__init__(*args, **kwargs)
        self.worker = worker
        self.idle_exit = float(idle_exit)
        self._owned: dict[str, SiteJob] = {}
        self._work: dict[str, int] = {}  # per owned site: requests scheduled whose callback has not ended
        self._done_ticks: dict[str, int] = {}  # per owned site: ticks in a row it had no work
        self._quiet_since = time.monotonic()
        self._ticker: LoopingCall | None = None
        self._last_beat = 0.0
        self._closing = False
        self.queue: SiteQueue | None = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> KpuWorkerSpider:
        spider = cast(KpuWorkerSpider, super().from_crawler(crawler, *args, **kwargs))
        spider.redis_batch_size = crawler.settings.getint("KPU_WORKER_SITES")
        spider.setup_redis(crawler)  # connects spider_idle, where the jobs are taken
        spider.queue = SiteQueue(spider.server)
        crawler.signals.connect(spider._opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(spider._dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    @property
    def owned_sites(self) -> list[str]:
        """The hosts this worker holds the lease of."""
        return list(self._owned)

    def mode_of(self, site: Site) -> str:
        job = self._owned.get(site.host)
        return job.mode if job else self.mode

    async def start(self) -> AsyncIterator[scrapy.Request]:
        return  # the work comes from the queue, taken when the spider is idle
        yield  # an async generator that yields nothing

    # ---- jobs -------------------------------------------------------------------------------

    def make_request_from_data(self, data: bytes) -> Iterator[scrapy.Request]:
        """A site job becomes the site's start requests, once this worker holds its lease."""
        assert self.queue is not None
        job = SiteJob.loads(data)
        site = self.registry.get(job.host)
        if site is None:
            self.logger.warning("job for %s: not in this worker's registry; dropped", job.host)
            return
        if not self.queue.take(job, self.worker):
            self.logger.info("%s is crawled by another worker; its job is dropped", job.host)
            return
        self._owned[job.host] = job
        self.crawler.stats.inc_value("kpu/worker/sites_taken")
        yield from self.start_requests_for([job.host], job.mode, job.recheck_limit)

    # ---- work per site: a site is done when no request of it waits for its callback ------------

    @staticmethod
    def _host_of(request: scrapy.Request) -> str | None:
        site = request.cb_kwargs.get("site")
        return site.host if isinstance(site, Site) else None

    def _scheduled(self, request: scrapy.Request, spider: Any = None) -> None:
        host = self._host_of(request)
        # a retry or a redirect continues a request that never reaches its callback: not new work
        if host in self._owned and not (request.meta.get("retry_times") or request.meta.get("redirect_times")):
            self._work[host] = self._work.get(host, 0) + 1

    def _dropped(self, request: scrapy.Request, spider: Any = None) -> None:
        self.work_done(request)

    def work_done(self, request: scrapy.Request | None) -> None:
        host = self._host_of(request) if request is not None else None
        if host in self._work:
            self._work[host] -= 1

    def _until_done(self, output: Iterator[Any], request: scrapy.Request | None) -> Iterator[Any]:
        """A callback's output, and the end of its request's work once it has given all of it."""
        try:
            yield from output
        finally:
            self.work_done(request)

    def parse_home(self, response: Any, **kwargs: Any) -> Iterator[Any]:  # type: ignore[override]
        return self._until_done(super().parse_home(response, **kwargs), response.request)

    def parse_listing(self, response: Any, **kwargs: Any) -> Iterator[Any]:  # type: ignore[override]
        return self._until_done(super().parse_listing(response, **kwargs), response.request)

    def parse_article(self, response: Any, **kwargs: Any) -> Iterator[Any]:  # type: ignore[override]
        return self._until_done(super().parse_article(response, **kwargs), response.request)

    def on_error(self, failure: Any) -> Iterator[Any]:
        return self._until_done(super().on_error(failure), getattr(failure, "request", None))

    def parse_attachment(self, response: Any, **kwargs: Any) -> Iterator[Any]:  # type: ignore[override]
        return self._until_done(super().parse_attachment(response, **kwargs), response.request)

    def on_attachment_error(self, failure: Any) -> Iterator[Any]:
        return self._until_done(super().on_attachment_error(failure), getattr(failure, "request", None))

    def _tick(self) -> None:
        """Every second: beat the leases, store and free the sites that are done, put back the
        sites of dead workers, and take new jobs while this worker has room for more sites."""
        assert self.queue is not None
        now = time.monotonic()
        if now - self._last_beat >= HEARTBEAT_SECONDS and self._owned:
            self.queue.extend(list(self._owned), self.worker)
            self._last_beat = now
        finished = []
        for host in self._owned:
            quiet = self._work.get(host, 0) <= 0
            self._done_ticks[host] = self._done_ticks.get(host, 0) + 1 if quiet else 0
            if self._done_ticks[host] >= DONE_TICKS:
                finished.append(host)
        if finished:
            self.archive.checkpoint()  # stored before the lease is freed: the archive stays the truth
            for host in finished:
                self.queue.release(host, self.worker)
                self._forget(host)
        if reaped := self.queue.reap():
            self.logger.warning("%d sites of a worker that stopped are queued again", reaped)
        room = self.redis_batch_size - len(self._owned)
        if room > 0:
            for data in self.fetch_data(self.redis_key, room):
                for request in self.make_request_from_data(data):
                    self.crawler.engine.crawl(request)
        if self._idle_long_enough() and not self._closing:
            self._closing = True
            engine = self.crawler.engine
            if hasattr(engine, "close_spider_async"):  # Scrapy 2.14+
                deferred_from_coro(engine.close_spider_async(reason="finished"))
            else:
                engine.close_spider(self, "finished")

    def _idle_long_enough(self) -> bool:
        """No site queued or being crawled anywhere, for ``idle_exit`` seconds (never, where 0)."""
        assert self.queue is not None
        queued, taken = self.queue.depth()
        if self._owned or queued or taken:
            self._quiet_since = time.monotonic()
            return False
        return bool(self.idle_exit) and time.monotonic() - self._quiet_since >= self.idle_exit

    def spider_idle(self) -> None:
        """Nothing to fetch: take work now rather than at the next tick; the tick also decides when
        the worker has waited long enough to close."""
        self._tick()
        if not self._closing:
            raise DontCloseSpider

    def _forget(self, host: str) -> None:
        self._owned.pop(host, None)
        self._work.pop(host, None)
        self._done_ticks.pop(host, None)
        self.forget_site(host)

    # ---- leases -----------------------------------------------------------------------------

    def _opened(self, spider: Any) -> None:
        self._ticker = LoopingCall(self._tick)
        self._ticker.start(TICK_SECONDS, now=False)

    def _closed(self, spider: Any, reason: str) -> None:
        """A worker that stops (SIGTERM, Ctrl-C) frees its sites at once; the pipeline has stored
        what it fetched, and the frontier knows the rest."""
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        if self.queue is not None:
            for host, job in list(self._owned.items()):
                self.queue.release(host, self.worker)
                self.queue.push([job])
