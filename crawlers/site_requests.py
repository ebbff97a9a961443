"""Where a worker's requests wait: scrapy-redis's scheduler over one Redis queue per owned site,
taken from the site with the fewest requests in the downloader, and a per-site Redis dupefilter.

One queue for every site (scrapy-redis's default) hands out requests site after site: the engine
fills its 32 places with one site's backlog while that site's slot lets 2 through at a time, and the
other sites wait (one worker 50 s against 30 s on ``benchmarks/scale.py``).  So each owned site
has its own sorted set ``kpu:requests:{host}``, with scrapy-redis's encoding and its priority
order (first in, first out among equal priorities), and the next request comes from the site
whose download slot is least busy, as Scrapy's ``DownloaderAwarePriorityQueue`` does in one process.

A site's requests and its fingerprints ``kpu:seen:{host}`` live only while a worker owns the site:
``SiteQueue.take`` and ``release`` clear them, so a new owner starts from what the archive's
frontier says is left (Redis is only the work queue).  Only the owner writes a site's keys, so the
queue keeps its own counts and ``len()`` costs no round trip.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from archive.domain.sites import Site

from .queue import REQUESTS, SEEN

_SEQUENCE = 2**32  # per priority step: room for that many requests of one site in push order


def site_of(request: Request) -> str:
    """The registry host a request belongs to (every request the spider makes names its site)."""
    site = request.cb_kwargs.get("site")
    return site.host if isinstance(site, Site) else str(urlparse_cached(request).hostname)


class SiteRequestQueue(PriorityQueue):
    """``SCHEDULER_QUEUE_CLASS`` of a worker: scrapy-redis's priority queue, one per owned site."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self._counts: dict[str, int] = {}  # per site: requests waiting in its Redis queue
        self._pushed: dict[str, int] = {}  # per site: pushes so far, the order among equal priorities
        self._slots: dict[str, str] = {}  # per site: its download slot
        self._taken: dict[str, int] = {}  # per site: when it last gave a request (ties go round)
        self._pops = 0

    def __len__(self) -> int:
        return sum(self._counts.values())

    def push(self, request: Request) -> None:
        host = site_of(request)
        if host not in self._slots:
            self._slots[host] = self.spider.crawler.engine.downloader.get_slot_key(request)
        order = self._pushed.get(host, 0)
        self._pushed[host] = order + 1
        score = -request.priority * _SEQUENCE + order
        # the push's number leads the member, so two equal requests stay two (a sorted set keeps one)
        member = order.to_bytes(8, "big") + self._encode_request(request)
        self.server.execute_command("ZADD", REQUESTS.format(host=host), score, member)
        self._counts[host] = self._counts.get(host, 0) + 1

    def pop(self, timeout: int = 0) -> Request | None:
        waiting = [host for host, count in self._counts.items() if count > 0]
        if not waiting:
            return None
        slots = self.spider.crawler.engine.downloader.slots

        def busy(host: str) -> tuple[int, int]:  # in the downloader, then the longest since its turn
            slot = slots.get(self._slots[host])
            return (len(slot.active) if slot else 0, self._taken.get(host, -1))

        host = min(waiting, key=busy)
        self._pops += 1
        self._taken[host] = self._pops
        key = REQUESTS.format(host=host)
        pipe = self.server.pipeline()
        pipe.multi()
        pipe.zrange(key, 0, 0).zremrangebyrank(key, 0, 0)
        results, _ = pipe.execute()
        if not results:  # cleared under us (the site was released): nothing of it is left to fetch
            self.forget(host)
            return self.pop(timeout)
        self._counts[host] -= 1
        return self._decode_request(results[0][8:])

    def forget(self, host: str) -> None:
        """The site's queue was cleared with its lease: nothing of it waits here."""
        for known in (self._counts, self._pushed, self._slots, self._taken):
            known.pop(host, None)

    def clear(self) -> None:
        """The scheduler closes: drop the queues of the sites this worker still owns (a site it
        released may be another worker's by now)."""
        if owned := list(self.spider.owned_sites):
            self.server.delete(*(REQUESTS.format(host=h) for h in owned))
        self._counts.clear()


class SiteDupeFilter(RFPDupeFilter):
    """``DUPEFILTER_CLASS`` of a worker: scrapy-redis's fingerprints, a Redis set per owned site."""

    def __init__(self, server: Any, spider: Any, debug: bool = False) -> None:
        super().__init__(server, SEEN, debug)
        self.spider = spider

    @classmethod
    def from_spider(cls, spider: Any) -> SiteDupeFilter:
        return cls(spider.server, spider, debug=spider.settings.getbool("DUPEFILTER_DEBUG"))

    def request_seen(self, request: Request) -> bool:
        key = self.key.format(host=site_of(request))
        return bool(self.server.sadd(key, self.request_fingerprint(request)) == 0)

    def clear(self) -> None:
        """The scheduler closes: drop the fingerprints of the sites this worker still owns."""
        if owned := list(self.spider.owned_sites):
            self.server.delete(*(self.key.format(host=h) for h in owned))
