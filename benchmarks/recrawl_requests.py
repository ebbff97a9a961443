"""Requests of an incremental recrawl against the first crawl, on a local sample world.

    python benchmarks/recrawl_requests.py [--posts 200] [--per-page 10] [--new 5]

Three sites of N synthetic posts each on 127.0.0.1 (the real ``kpu-archive crawl``, no politeness
delay).  Crawls once, again with nothing changed, then again after ``--new`` posts per site were
added at the top of the listings, then once more with ``--full``; prints requests and wall time of each.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawlers.sample.server import DEMO_SITES, demo_world, filler, write_registry


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=200, help="synthetic posts per site")
    parser.add_argument("--per-page", type=int, default=10)
    parser.add_argument("--new", type=int, default=5, help="posts per site added before the third crawl")
    args = parser.parse_args()
    world = demo_world(args.posts, per_page=args.per_page)
    folder = Path(tempfile.mkdtemp(prefix="kpu-bench-"))
    env = {**os.environ, "KPU_DOWNLOAD_DELAY": "0", "KPU_ARCHIVE_DB": ""}
    with world.serve() as base_urls:
        registry = write_registry(folder / "sites.csv", world, base_urls)

        def crawl(name: str, *flags: str) -> None:
            before = len(world.requests)
            start = time.perf_counter()
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "archive",
                    "crawl",
                    "--all",
                    "--registry",
                    str(registry),
                    "--db",
                    str(folder / "bench.db"),
                    *flags,
                ],
                capture_output=True,
                text=True,
                env=env,
            )
            elapsed = time.perf_counter() - start
            summary = result.stdout.splitlines()[1] if result.returncode == 0 else result.stderr.strip()
            print(f"{name:<34} {len(world.requests) - before:>6} requests  {elapsed:5.1f} s   {summary}")

        crawl("first crawl")
        crawl("incremental, nothing changed")
        for site in DEMO_SITES:
            fresh = filler(site, args.new, start_id=99000)
            for post in fresh:
                post.slug = post.slug.replace("contoh-berita", "berita-baru")
                post.title = post.title.replace("Contoh Berita", "Berita Baru")
            world.articles = fresh + world.articles
        crawl(f"incremental, {args.new} new posts per site")
        crawl("full", "--full")
    categories = sum(len(s.categories) for s in DEMO_SITES)
    print(
        f"({len(DEMO_SITES)} sites, {categories} categories, {len(world.articles)} posts, "
        f"{args.per_page} per listing page)"
    )


if __name__ == "__main__":
    main()
