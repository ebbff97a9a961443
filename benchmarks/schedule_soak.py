"""Run ``kpu-archive schedule`` for minutes against local sample sites that keep publishing.

    python benchmarks/schedule_soak.py [--minutes 5] [--every 30s] [--post-every 10]

Three sample sites on 127.0.0.1; a new post appears on one of them every ``--post-every`` seconds.
Half way through, one site goes down (drops every connection).  At the end the scheduler gets
SIGTERM, and the script reports how many posts were archived, how long each took to arrive after it
was published, the job runs, and what ``kpu-archive status`` says.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.storage.db import open_engine
from archive.storage.models import Article, JobRun, SiteRow
from crawlers.sample.server import DEMO_SITES, demo_world, filler, write_registry


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--every", default="30s", help="incremental interval")
    parser.add_argument("--post-every", type=float, default=10, help="seconds between new posts")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kpu-soak-"))
    db = str(folder / "archive.db")
    env = {**os.environ, "KPU_DOWNLOAD_DELAY": "0", "KPU_ARCHIVE_DB": ""}
    world = demo_world(6, per_page=5)
    published: dict[str, datetime] = {}
    down_host = DEMO_SITES[-1].host
    with world.serve() as base_urls:
        registry = write_registry(folder / "sites.csv", world, base_urls)
        command = [
            sys.executable,
            "-m",
            "archive",
            "schedule",
            "--registry",
            str(registry),
            "--db",
            db,
            "--incremental-every",
            args.every,
            "--recheck-every",
            "2m",
            "--full-every",
            "3m",
            "--log-dir",
            str(folder / "logs"),
            "--stop-grace",
            "30s",
        ]
        scheduler = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        started = time.monotonic()
        end = started + args.minutes * 60
        n = 0
        while time.monotonic() < end:
            time.sleep(args.post_every)
            site = DEMO_SITES[n % len(DEMO_SITES)]
            if time.monotonic() - started > args.minutes * 30 and down_host not in world.down:
                world.down.add(down_host)
                print(f"{datetime.now(UTC):%H:%M:%S} {down_host} goes down")
            post = filler(site, 1, start_id=60000 + n)[0]
            post.slug, post.title = f"kabar-soak-{n}", f"Kabar Soak {n}: {site.name}"
            world.articles.insert(0, post)
            if site.host not in world.down:
                published[f"https://{site.host}{post.path}"] = datetime.now(UTC)
            n += 1
        time.sleep(40)  # one more incremental window
        scheduler.send_signal(signal.SIGTERM)
        code = scheduler.wait(timeout=300)
    engine = open_engine(db)
    with Session(engine) as session:
        seen = dict(session.execute(select(Article.url, Article.first_seen_at)).all())
        total = session.scalar(select(func.count(Article.id)))
        jobs = session.execute(select(JobRun.status, func.count(JobRun.id)).group_by(JobRun.status)).all()
        hosts = session.scalars(select(SiteRow.host)).all()
    engine.dispose()
    expected_up = {url for url in published if down_host not in url}
    lags = [(seen[url] - published[url]).total_seconds() for url in expected_up if url in seen]
    print(f"scheduler exit code {code}; {n} posts published, {len(expected_up)} on sites that were up")
    print(
        f"archived {len(expected_up & set(seen))}/{len(expected_up)} of them; archive holds {total} articles "
        f"from {len(hosts)} sites"
    )
    if lags:
        print(
            f"arrival lag: median {statistics.median(lags):.0f} s, max {max(lags):.0f} s "
            f"(incremental every {args.every})"
        )
    print("job runs: " + ", ".join(f"{status} {count}" for status, count in jobs))
    status = subprocess.run(
        [sys.executable, "-m", "archive", "status", "--db", db], env=env, capture_output=True, text=True
    )
    print(f"kpu-archive status (exit {status.returncode}):")
    print(status.stdout + status.stderr)


if __name__ == "__main__":
    main()
