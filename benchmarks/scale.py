"""One process against 1, 2 and 4 workers, on N local sites with a per-request latency.

    python benchmarks/scale.py [--sites 40] [--posts 20] [--latency 0.05] [--delay 0.1]
                               [--workers 1,2,4] [--queue redis://127.0.0.1:6379/14]
                               [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each site of the bundled registry's first N hosts is served on its own 127.0.x.y address (so
Scrapy's per-site slots see different sites, as on the real network), answering after
``--latency`` seconds.  Every mode crawls the same world into a fresh PostgreSQL database with the
download delay at ``--delay``: ``kpu-archive crawl --all`` in one process, then
``crawl --all --queue … --workers W``.  Reported per mode: wall time, CPU per article (all
processes), the largest peak RSS of one process, recall, pages fetched more than once and the
most requests in flight at one site.  Needs Redis and PostgreSQL (DEVELOPERS.md's services).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from archive.domain.sites import load_registry
from crawlers.sample.pages import SampleSite
from crawlers.sample.server import SampleWorld, filler, write_registry

PEAK = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)"
)


def world_of(sites: int, posts: int, latency: float) -> SampleWorld:
    hosts = [s for s in load_registry().select([]) if s.level in ("kabupaten", "kota")][:sites]
    chosen = [SampleSite(s.host, s.name, {"104": "Berita Terkini"}) for s in hosts]
    articles = [post for site in chosen for post in filler(site, posts)]
    return SampleWorld(sites=chosen, articles=articles, per_page=10, latency=latency)


def stored(db: str) -> int:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from archive.storage.db import open_engine
    from archive.storage.models import Article

    engine = open_engine(db)
    with Session(engine) as session:
        count = session.scalar(select(func.count(func.distinct(Article.url)))) or 0
    engine.dispose()
    return count


def run(world: SampleWorld, command: list[str], env: dict[str, str], db: str) -> dict[str, float]:
    world.requests.clear()
    world.most_in_flight.clear()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    wrapped = [sys.executable, "-c", PEAK, *command]  # the peak RSS of this mode's processes alone
    result = subprocess.run(wrapped, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[2:5])} failed: {result.stderr.strip()[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    fetched = Counter((host, path) for host, path, _ in world.requests)
    return {
        "wall": wall,
        "cpu_ms": cpu * 1000 / max(1, len(world.articles)),
        "rss": int(result.stderr.strip().splitlines()[-1]) / 1024,
        "recall": stored(db) / len(world.articles),
        "twice": sum(1 for n in fetched.values() if n > 1),
        "in_flight": max(world.most_in_flight.values(), default=0),
        "requests": len(world.requests),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=40)
    parser.add_argument("--posts", type=int, default=20, help="posts per site")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--delay", type=float, default=0.1, help="download delay, seconds")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--queue", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    import psycopg
    import redis

    world = world_of(args.sites, args.posts, args.latency)
    folder = Path(tempfile.mkdtemp(prefix="kpu-scale-"))
    env = {**os.environ, "KPU_DOWNLOAD_DELAY": str(args.delay), "KPU_ARCHIVE_DB": "", "KPU_LEASE_SECONDS": "10"}
    admin = args.pg.replace("+psycopg", "")
    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    modes = [("one process", 0)] + [(f"{w} worker{'s' if w > 1 else ''}", w) for w in counts]
    rows = []
    with world.serve(own_addresses=True) as base_urls:
        registry = str(write_registry(folder / "sites.csv", world, base_urls))
        for name, workers in modes:
            database = f"kpu_scale_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
            db = args.pg.rsplit("/", 1)[0] + "/" + database
            command = [sys.executable, "-m", "archive", "crawl", "--all", "--registry", registry, "--db", db]
            if workers:
                redis.Redis.from_url(args.queue).flushdb()
                command += ["--queue", args.queue, "--workers", str(workers)]
            try:
                rows.append((name, run(world, command, env, db)))
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    print(f"{len(world.sites)} sites x {args.posts} posts, {args.latency * 1000:.0f} ms per answer, "
          f"download delay {args.delay} s")  # fmt: skip
    print(f"{'mode':<12} {'wall s':>7} {'CPU ms/article':>15} {'peak RSS MiB':>13} {'recall':>7} "
          f"{'fetched twice':>14} {'most in flight/site':>20}")  # fmt: skip
    for name, r in rows:
        print(f"{name:<12} {r['wall']:7.1f} {r['cpu_ms']:15.2f} {r['rss']:13.1f} {r['recall']:7.1%} "
              f"{r['twice']:14d} {r['in_flight']:20d}")  # fmt: skip


if __name__ == "__main__":
    main()
