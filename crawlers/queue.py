"""The shared work queue of a distributed crawl: site jobs in Redis, each leased to one worker.

Politeness across workers is kept by ownership: one worker owns a site at a time, so Scrapy's own
per-site concurrency (2), download delay, AutoThrottle and robots.txt hold for the whole network
without a shared limiter, and the walk's state (the page before, the quiet pages, the listing
order) stays in the one process that walks it.

* ``kpu:jobs`` is a list of JSON site jobs ``{"host", "mode", "recheck_limit"}``: the start key
  that scrapy-redis's ``RedisMixin`` pops when a worker is idle.  ``kpu:queued`` holds the hosts
  in it, so a site is never queued twice.
* ``kpu:lease:{host}`` names the worker that owns the site; it expires ``LEASE_SECONDS`` after the
  owner's last heartbeat.  ``kpu:taken`` keeps each owned site's job, so when a killed worker's
  lease expires any worker puts the job back (``reap``) and the site is crawled again from what the
  archive's frontier says is left.  Redis is only the work queue; the archive stays the truth.
* ``kpu:requests:{host}`` and ``kpu:seen:{host}``: an owned site's requests and fingerprints in
  scrapy-redis's scheduler (``crawlers.site_requests``), dropped when the site is taken or released.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

JOBS = "kpu:jobs"
QUEUED = "kpu:queued"
TAKEN = "kpu:taken"
LEASE = "kpu:lease:{host}"
# an owned site's requests and fingerprints (crawlers.site_requests): kept only while it is owned
REQUESTS = "kpu:requests:{host}"
SEEN = "kpu:seen:{host}"
# a worker that stopped beating this long is dead: its sites go back to the queue (tests shorten it)
LEASE_SECONDS = max(2, int(os.environ.get("KPU_LEASE_SECONDS", "30")))
HEARTBEAT_SECONDS = LEASE_SECONDS / 4

# set the lease's expiry again, or drop it, only where this worker still holds it
_EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end return 0"
# release: the job, the lease and the site's requests and fingerprints, only where this worker owns it
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('hdel', KEYS[2], ARGV[2]) "
    "return redis.call('del', KEYS[1], KEYS[3], KEYS[4]) end return 0"
)


@dataclass(frozen=True, slots=True)
class SiteJob:
    """One site to crawl, and how."""

    host: str
    mode: str = "incremental"
    recheck_limit: int = 1000

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def loads(cls, data: bytes | str) -> SiteJob:
        raw = json.loads(data)
        return cls(str(raw["host"]), str(raw.get("mode", "incremental")), int(raw.get("recheck_limit", 1000)))


class SiteQueue:
    """The job list, the leases and the reaper over one Redis connection."""

    def __init__(self, server: Any) -> None:
        self.server = server

    @classmethod
    def from_url(cls, url: str) -> SiteQueue:
        import redis

        return cls(redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30))

    def push(self, jobs: list[SiteJob]) -> int:
        """Queue the jobs of sites that are neither queued nor being crawled; how many were queued."""
        queued = 0
        for job in jobs:
            if self.server.hexists(TAKEN, job.host) or not self.server.sadd(QUEUED, job.host):
                continue
            self.server.rpush(JOBS, job.dumps())
            queued += 1
        return queued

    def take(self, job: SiteJob, worker: str) -> bool:
        """Lease the job's site to ``worker``; False where another worker holds it."""
        self.server.srem(QUEUED, job.host)
        if not self.server.set(LEASE.format(host=job.host), worker, nx=True, ex=LEASE_SECONDS):
            return False
        self.server.hset(TAKEN, job.host, job.dumps())
        # what a dead owner left: the new one starts from what the archive says is left
        self.server.delete(REQUESTS.format(host=job.host), SEEN.format(host=job.host))
        return True

    def extend(self, hosts: list[str], worker: str) -> None:
        for host in hosts:
            self.server.eval(_EXTEND, 1, LEASE.format(host=host), worker, LEASE_SECONDS)

    def release(self, host: str, worker: str) -> None:
        """The site is crawled: its job is done and its lease free."""
        keys = (LEASE.format(host=host), TAKEN, REQUESTS.format(host=host), SEEN.format(host=host))
        self.server.eval(_RELEASE, len(keys), *keys, worker, host)

    def reap(self) -> int:
        """Put back the jobs of sites whose owner stopped beating; how many."""
        back = 0
        for host, job in self.server.hgetall(TAKEN).items():
            key = LEASE.format(host=host.decode() if isinstance(host, bytes) else host)
            if not self.server.exists(key) and self.server.hdel(TAKEN, host):
                self.server.sadd(QUEUED, host)
                self.server.lpush(JOBS, job)  # first in line: it was started already
                back += 1
        return back

    def depth(self) -> tuple[int, int]:
        """(sites queued, sites being crawled)."""
        return int(self.server.llen(JOBS)), int(self.server.hlen(TAKEN))
