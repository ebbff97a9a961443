"""What kill -9 costs: the requests of killed runs plus the final one, against one uninterrupted crawl.

    python benchmarks/crash_cost.py [--posts 150] [--kills 8] [--delay 0.01] [--seed 1]

Three sites of N synthetic posts each on 127.0.0.1 (the real ``kpu-archive crawl``, with a small
download delay so a crawl lasts long enough to be killed in the middle).  One crawl runs through;
then, on a fresh archive, ``--kills`` crawls are each killed with SIGKILL at a random moment of
that crawl's length, and a last one runs to the end.  Prints both request counts, their ratio, and
whether the archive holds every post once with its integrity check passing.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from crawlers.sample.server import demo_world, write_registry


def crawl(registry: Path, db: Path, env: dict[str, str], kill_after: float | None) -> float:
    command = [sys.executable, "-m", "archive", "crawl", "--all", "--registry", str(registry), "--db", str(db)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        process.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
    return time.perf_counter() - start


def kind_of(path: str) -> str:
    if "/blog/category/" in path:
        return "listing"
    if "/blog/read/" in path or "/berita/baca/" in path:
        return "article"
    return "robots.txt and home" if path in ("/", "/robots.txt") else "other"


def check(db: Path, expected: int) -> str:
    with sqlite3.connect(db) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        stored, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT site_id || '/' || native_id) FROM articles"
        ).fetchone()
    return f"{stored} articles stored of {expected}, {stored - distinct} duplicated, integrity {integrity}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=150, help="synthetic posts per site")
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.01, help="download delay, seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    world = demo_world(args.posts, per_page=10)
    folder = Path(tempfile.mkdtemp(prefix="kpu-crash-"))
    env = {**os.environ, "KPU_DOWNLOAD_DELAY": str(args.delay), "KPU_ARCHIVE_DB": ""}
    with world.serve() as base_urls:
        registry = write_registry(folder / "sites.csv", world, base_urls)
        whole = crawl(registry, folder / "whole.db", env, None)
        baseline = len(world.requests)
        world.requests.clear()
        moments = sorted(rng.uniform(0.05, 1.0) * whole for _ in range(args.kills))
        for moment in moments:
            crawl(registry, folder / "killed.db", env, moment)
        killed = len(world.requests)
        kinds = Counter(kind_of(path) for _, path, _ in world.requests)
        crawl(registry, folder / "killed.db", env, None)
        total = len(world.requests)
    print(f"uninterrupted: {baseline} requests in {whole:.1f} s; {check(folder / 'whole.db', len(world.articles))}")
    print(
        f"{args.kills} kills at {', '.join(f'{m:.1f}' for m in moments)} s: {killed} requests, "
        f"then {total - killed} to finish"
    )
    print("killed runs' requests by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    print(
        f"crash cost: {total} / {baseline} = {total / baseline:.2f}x; "
        f"{check(folder / 'killed.db', len(world.articles))}"
    )


if __name__ == "__main__":
    main()
