"""A worker's requests in scrapy-redis: one Redis queue per owned site, handed out from the site
whose download slot is least busy, in priority then arrival order; fingerprints per site; both
cleared with the site's lease so a new owner starts from the archive."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import scrapy
from scrapy.settings import Settings

from archive.domain.sites import Site
from crawlers.queue import REQUESTS, SEEN, SiteJob, SiteQueue
from crawlers.site_requests import SiteDupeFilter, SiteRequestQueue


class Spider(scrapy.Spider):
    name = "kpu-worker"

    def parse_article(self, response: Any, **kwargs: Any) -> None: ...


def site(host: str) -> Site:
    return Site(host, host, "kabupaten", "Bali", "Asia/Makassar", "seen", base_url=f"http://127.0.0.{len(host)}:80")


def world(redis_url: str) -> tuple[Any, Spider, dict[str, Any]]:
    import redis

    server = redis.Redis.from_url(redis_url)
    slots: dict[str, Any] = {}
    downloader = SimpleNamespace(slots=slots, get_slot_key=lambda request: request.cb_kwargs["site"].host)
    spider = Spider()
    spider.crawler = SimpleNamespace(engine=SimpleNamespace(downloader=downloader))  # type: ignore[assignment]
    spider.settings = Settings()  # type: ignore[assignment]
    spider.server = server  # type: ignore[attr-defined]
    spider.owned_sites = ["a.kpu.go.id", "bb.kpu.go.id"]  # type: ignore[attr-defined]
    return server, spider, slots


def request(spider: Spider, host: str, path: str, priority: int = 0) -> scrapy.Request:
    return scrapy.Request(f"http://{host}/{path}", callback=spider.parse_article, priority=priority,
                          cb_kwargs={"site": site(host), "label": path})  # fmt: skip


def test_the_next_request_comes_from_the_least_busy_site_in_priority_then_arrival_order(redis_url: str) -> None:
    server, spider, slots = world(redis_url)
    queue = SiteRequestQueue(server, spider, "kpu:requests")
    for n in range(6):  # arrival order is not the order of their bytes
        queue.push(request(spider, "a.kpu.go.id", f"a{5 - n}"))
    queue.push(request(spider, "a.kpu.go.id", "listing", priority=5))
    queue.push(request(spider, "bb.kpu.go.id", "b0"))
    queue.push(request(spider, "bb.kpu.go.id", "b1"))
    assert len(queue) == 9
    assert server.zcard(REQUESTS.format(host="a.kpu.go.id")) == 7  # in Redis, a sorted set per site
    assert server.zcard(REQUESTS.format(host="bb.kpu.go.id")) == 2

    first = queue.pop()
    assert first is not None and first.url.endswith("/listing")  # the higher priority first
    assert first.callback == spider.parse_article and first.cb_kwargs["site"] == site("a.kpu.go.id")
    slots["a.kpu.go.id"] = SimpleNamespace(active={1, 2})  # site a has 2 in the downloader
    popped = [queue.pop() for _ in range(2)]
    assert [r.url.rsplit("/", 1)[1] for r in popped if r] == ["b0", "b1"]  # the idle site goes first
    rest = [r.url.rsplit("/", 1)[1] for _ in range(7) if (r := queue.pop())]
    assert rest == ["a5", "a4", "a3", "a2", "a1", "a0"]  # then first in, first out
    assert len(queue) == 0 and queue.pop() is None

    twice = request(spider, "bb.kpu.go.id", "again")
    queue.push(twice)
    queue.push(twice)  # a request scheduled twice (dont_filter) is fetched twice, as Scrapy would
    assert [r.url for _ in range(3) if (r := queue.pop())] == [twice.url, twice.url]


def test_sites_take_turns_when_equally_busy(redis_url: str) -> None:
    server, spider, _ = world(redis_url)
    queue = SiteRequestQueue(server, spider, "kpu:requests")
    for n in range(3):
        queue.push(request(spider, "a.kpu.go.id", f"a{n}"))
        queue.push(request(spider, "bb.kpu.go.id", f"b{n}"))
    hosts = [r.cb_kwargs["site"].host[0] for _ in range(6) if (r := queue.pop())]
    assert hosts in (list("ababab"), list("bababa"))  # never one site's backlog before the other's


def test_fingerprints_are_per_site_and_a_new_owner_starts_clean(redis_url: str) -> None:
    server, spider, _ = world(redis_url)
    seen = SiteDupeFilter.from_spider(spider)
    assert not seen.request_seen(request(spider, "a.kpu.go.id", "x"))
    assert seen.request_seen(request(spider, "a.kpu.go.id", "x"))
    assert not seen.request_seen(request(spider, "bb.kpu.go.id", "x"))
    queue = SiteRequestQueue(server, spider, "kpu:requests")
    queue.push(request(spider, "a.kpu.go.id", "y"))

    jobs = SiteQueue(server)
    assert jobs.take(SiteJob("a.kpu.go.id"), "w1")
    # w1 dies; its lease expires and w2 takes the site: what w1 left in Redis is gone
    server.delete("kpu:lease:a.kpu.go.id")
    assert jobs.take(SiteJob("a.kpu.go.id"), "w2")
    assert not server.exists(REQUESTS.format(host="a.kpu.go.id"), SEEN.format(host="a.kpu.go.id"))
    assert server.exists(SEEN.format(host="bb.kpu.go.id"))
    assert queue.pop() is None and len(queue) == 0  # the stale request is not handed out

    seen.request_seen(request(spider, "a.kpu.go.id", "z"))
    jobs.release("a.kpu.go.id", "w1")  # a worker that lost the lease clears nothing of the new owner's
    assert server.exists(SEEN.format(host="a.kpu.go.id")) and server.hexists("kpu:taken", "a.kpu.go.id")
    jobs.release("a.kpu.go.id", "w2")
    assert not server.exists(SEEN.format(host="a.kpu.go.id"), "kpu:lease:a.kpu.go.id")
    assert not server.hexists("kpu:taken", "a.kpu.go.id")


def test_a_closing_worker_clears_only_the_sites_it_still_owns(redis_url: str) -> None:
    server, spider, _ = world(redis_url)
    queue = SiteRequestQueue(server, spider, "kpu:requests")
    seen = SiteDupeFilter.from_spider(spider)
    for host in ("a.kpu.go.id", "bb.kpu.go.id", "ccc.kpu.go.id"):
        queue.push(request(spider, host, "p"))
        seen.request_seen(request(spider, host, "p"))
    queue.clear()
    seen.clear()
    # ccc was released and may be another worker's now: its keys stay
    assert server.exists(REQUESTS.format(host="ccc.kpu.go.id"), SEEN.format(host="ccc.kpu.go.id")) == 2
    assert not server.exists(REQUESTS.format(host="a.kpu.go.id"), SEEN.format(host="bb.kpu.go.id"))
