"""A crawl killed with SIGKILL at any moment resumes without losing or duplicating posts.

The kill comes from the test server itself, at a chosen request, so the process dies mid-walk with
some batches committed and others not.  Small batches (``KPU_BATCH_SIZE=2``) make that likely.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.storage.db import open_engine
from archive.storage.models import Article
from crawlers.sample.pages import SampleArticle, SampleSite
from crawlers.sample.server import SampleWorld, filler, write_registry

SITE = SampleSite("kab-ngawi.kpu.go.id", "KPU Kabupaten Ngawi", {"104": "Berita Terkini"})


def fresh_posts(count: int) -> list[SampleArticle]:
    posts = filler(SITE, count, start_id=20000)
    for post in posts:
        post.slug = post.slug.replace("contoh-berita", "kabar-baru")
        post.title = post.title.replace("Contoh Berita", "Kabar Baru")
    return posts


def crawl(registry: Path, db: str, world: SampleWorld, kill_at_article: int | None) -> int:
    env = {**os.environ, "KPU_DOWNLOAD_DELAY": "0", "KPU_ARCHIVE_DB": "", "KPU_BATCH_SIZE": "2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "archive", "crawl", "--all", "--registry", str(registry), "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    seen = {"articles": 0}

    def maybe_kill(host: str, path: str) -> None:
        if "/blog/read/" in path:
            seen["articles"] += 1
            if kill_at_article is not None and seen["articles"] == kill_at_article:
                os.kill(process.pid, signal.SIGKILL)

    world.on_request = maybe_kill
    process.communicate(timeout=300)
    world.on_request = None
    return process.returncode


def archived(db: str) -> tuple[int, int]:
    engine = open_engine(db)
    with Session(engine) as session:
        total = session.scalar(select(func.count(Article.id)))
        distinct = session.scalar(select(func.count(func.distinct(Article.url))))
    engine.dispose()
    return total or 0, distinct or 0


def crawl_killed_at(registry: Path, db: str, world: SampleWorld, page: str, stored: int, batch: str) -> int:
    """A crawl whose server, asked for the listing ``page``, waits until the archive holds ``stored``
    articles (60 s at most) and then kills it with SIGKILL; its exit code."""
    env = {**os.environ, "KPU_DOWNLOAD_DELAY": "0", "KPU_ARCHIVE_DB": "", "KPU_BATCH_SIZE": batch}
    process = subprocess.Popen(
        [sys.executable, "-m", "archive", "crawl", "--all", "--registry", str(registry), "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )

    def stall_then_kill(host: str, path: str) -> None:
        if page in path:
            deadline = time.monotonic() + 60
            while archived(db)[0] < stored and time.monotonic() < deadline:
                time.sleep(0.1)
            os.kill(process.pid, signal.SIGKILL)

    world.on_request = stall_then_kill
    process.communicate(timeout=300)
    world.on_request = None
    return process.returncode


@pytest.mark.parametrize("kill_at", [3, 9, 17])
def test_killed_first_crawl_and_killed_incremental_crawl_lose_nothing(tmp_path: Path, kill_at: int) -> None:
    world = SampleWorld(sites=[SITE], articles=filler(SITE, 30), per_page=4)
    db = str(tmp_path / "archive.db")
    with world.serve() as base_urls:
        registry = write_registry(tmp_path / "sites.csv", world, base_urls)
        assert crawl(registry, db, world, kill_at) == -signal.SIGKILL
        assert archived(db)[0] < 30
        assert crawl(registry, db, world, None) == 0
        assert archived(db) == (30, 30)
        # new posts fill the first three listing pages; the incremental crawl dies among them
        world.articles = fresh_posts(11) + world.articles
        assert crawl(registry, db, world, min(kill_at, 8)) == -signal.SIGKILL
        assert crawl(registry, db, world, None) == 0
        assert archived(db) == (41, 41)


def test_killed_while_page_two_stalls_after_page_one_was_stored(tmp_path: Path) -> None:
    """Page 1's new posts are archived, page 2 never arrives: the next run must not stop at page 1."""
    world = SampleWorld(sites=[SITE], articles=filler(SITE, 12), per_page=4)
    db = str(tmp_path / "archive.db")
    with world.serve() as base_urls:
        registry = write_registry(tmp_path / "sites.csv", world, base_urls)
        assert crawl(registry, db, world, None) == 0
        world.articles = fresh_posts(6) + world.articles  # pages 1 and 2 hold news
        assert crawl_killed_at(registry, db, world, "page=2", 12 + 4, batch="2") == -signal.SIGKILL
        assert archived(db)[0] == 16  # page 1's four new posts, nothing from page 2
        assert crawl(registry, db, world, None) == 0
        assert archived(db) == (18, 18)


def test_a_killed_first_crawl_committed_by_time_and_resumes_its_walk(tmp_path: Path) -> None:
    """With batches of 200, only the commit timer stores the first 40 posts before the kill; the next
    run fetches what the frontier holds and walks on from where the first walk was, not from page 1."""
    world = SampleWorld(sites=[SITE], articles=filler(SITE, 60), per_page=4)  # 15 listing pages
    db = str(tmp_path / "archive.db")
    with world.serve() as base_urls:
        registry = write_registry(tmp_path / "sites.csv", world, base_urls)
        assert crawl_killed_at(registry, db, world, "page=11", 40, batch="200") == -signal.SIGKILL
        assert archived(db)[0] >= 40  # 200 per batch: the timer committed them
        first = len(world.requests)
        assert crawl(registry, db, world, None) == 0
        resumed = world.requests[first:]
    assert archived(db) == (60, 60)
    listings = [path for _, path, _ in resumed if "/blog/category/" in path]
    assert len(listings) <= 8, listings  # page 1, then on from the walk's last open page to the end
    assert sum("/blog/read/" in path for _, path, _ in world.requests) <= 60 + 6  # at most what was in flight
