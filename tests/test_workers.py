"""A crawl spread over workers (scrapy-redis queue, PostgreSQL archive): the same archive as one
process, no page fetched twice, and a killed worker's sites finished by another."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from conftest import assert_clean_failure, kpu_archive
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.storage.db import open_engine
from archive.storage.models import Article, CrawlRun
from crawlers.sample.server import demo_world, write_registry

VARYING = ("archive_id", "first_seen_at", "last_seen_at", "cluster_id", "citation")  # per fetch or per row id


def export(db: str) -> dict[str, dict[str, str]]:
    result = kpu_archive("export", "--format", "csv", "--db", db)
    assert result.returncode == 0, result.stderr
    return {row["url"]: row for row in csv.DictReader(io.StringIO(result.stdout))}


def comparable(rows: dict[str, dict[str, str]]) -> tuple[dict[str, dict[str, str]], set[frozenset[str]]]:
    """The rows without what differs per fetch, and the clusters as sets of URLs."""
    clusters: dict[str, set[str]] = {}
    for url, row in rows.items():
        if row["cluster_id"]:
            clusters.setdefault(row["cluster_id"], set()).add(url)
    kept = {url: {k: v for k, v in row.items() if k not in VARYING} for url, row in rows.items()}
    return kept, {frozenset(c) for c in clusters.values()}


def test_three_workers_archive_what_one_process_does(tmp_path: Path, pg_url: str, redis_url: str) -> None:
    world = demo_world(30, per_page=5)
    single = pg_url
    distributed = pg_url + "_w"
    admin = pg_url.rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(admin.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{distributed.rsplit("/", 1)[1]}"')
    try:
        with world.serve() as base_urls:
            registry = str(write_registry(tmp_path / "sites.csv", world, base_urls))
            assert kpu_archive("crawl", "--all", "--registry", registry, "--db", single).returncode == 0
            world.requests.clear()
            world.most_in_flight.clear()
            result = kpu_archive("crawl", "--all", "--registry", registry, "--db", distributed, "--queue", redis_url,
                                 "--workers", "3", KPU_WORKER_SITES="1", KPU_LEASE_SECONDS="5")  # fmt: skip
            assert result.returncode == 0, result.stderr
            assert "queued 3 sites" in result.stdout
            fetched = Counter((host, path) for host, path, _ in world.requests)
            assert max(world.most_in_flight.values()) <= 2  # one owner per site: its politeness holds
        assert [page for page, times in fetched.items() if times > 1] == []  # no page twice, across workers
        import redis

        left = redis.Redis.from_url(redis_url).keys("kpu:*")
        assert left == []  # every site's requests, fingerprints and lease went with its crawl
        ours, theirs = comparable(export(distributed)), comparable(export(single))
        assert len(ours[0]) == len(world.articles)
        assert ours == theirs  # row for row, and the same clusters
        engine = open_engine(distributed)
        with Session(engine) as session:
            runs = session.scalars(select(CrawlRun)).all()
        engine.dispose()
        assert len(runs) == 3 and sum(1 for r in runs if r.articles_new) >= 2  # the sites were shared out
    finally:
        with psycopg.connect(admin.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{distributed.rsplit("/", 1)[1]}" WITH (FORCE)')


def test_a_killed_workers_sites_are_finished_by_another(tmp_path: Path, pg_url: str, redis_url: str) -> None:
    world = demo_world(30, per_page=5)
    env = {**os.environ, "KPU_ARCHIVE_DB": "", "KPU_DOWNLOAD_DELAY": "0", "KPU_LEASE_SECONDS": "3",
           "KPU_WORKER_SITES": "3"}  # fmt: skip
    with world.serve() as base_urls:
        registry = str(write_registry(tmp_path / "sites.csv", world, base_urls))
        queued = kpu_archive("crawl", "--all", "--registry", registry, "--db", pg_url, "--queue", redis_url)
        assert queued.returncode == 0 and "queued 3 sites" in queued.stdout, queued.stderr
        command = [sys.executable, "-m", "archive", "worker", "--queue", redis_url, "--db", pg_url,
                   "--registry", registry, "--idle-exit", "2"]  # fmt: skip
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        articles = {"seen": 0, "stored": 0, "at_kill": 0}

        def kill_mid_crawl(host: str, path: str) -> None:
            if "/blog/read/" in path:
                articles["seen"] += 1
                if articles["seen"] == 40:  # once the commit timer stored some of them: a mid-crawl kill
                    deadline = time.monotonic() + 30
                    while (stored := count(pg_url)[0]) < 20 and time.monotonic() < deadline:
                        time.sleep(0.05)
                    articles["stored"], articles["at_kill"] = stored, articles["seen"]
                    os.kill(first.pid, signal.SIGKILL)

        world.on_request = kill_mid_crawl
        first.communicate(timeout=120)
        world.on_request = None
        assert first.returncode == -signal.SIGKILL
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
        assert second.returncode == 0, second.stderr
        article_fetches = sum("/blog/read/" in path for _, path, _ in world.requests)
    assert count(pg_url) == (len(world.articles), len(world.articles))  # nothing lost, nothing twice
    # fetched again: what had been fetched but not yet stored when the worker died, and what was in flight
    assert article_fetches <= len(world.articles) + max(0, articles["at_kill"] - articles["stored"]) + 6


def count(db: str) -> tuple[int, int]:
    engine = open_engine(db)
    with Session(engine) as session:
        stored = session.scalar(select(func.count(Article.id))) or 0
        distinct = session.scalar(select(func.count(func.distinct(Article.url)))) or 0
    engine.dispose()
    return stored, distinct


def test_a_worker_refuses_sqlite_and_an_unreachable_queue(tmp_path: Path) -> None:
    result = kpu_archive("worker", "--queue", "redis://127.0.0.1:6379/15", "--db", str(tmp_path / "a.db"))
    assert_clean_failure(result, "postgresql")
    assert not (tmp_path / "a.db").exists()
    result = kpu_archive("crawl", "--all", "--queue", "redis://127.0.0.1:1/0", "--db", str(tmp_path / "a.db"))
    assert_clean_failure(result, "cannot reach the queue")


def test_the_scheduler_puts_its_jobs_on_the_queue_instead_of_crawling(tmp_path: Path) -> None:
    from archive.scheduler.config import load_config
    from archive.scheduler.service import crawl_command

    (tmp_path / "s.toml").write_text('[queue]\nurl = "redis://10.0.0.5:6379/0"\n', encoding="utf-8")
    config = load_config(tmp_path / "s.toml")
    command = crawl_command(config, "postgresql://db/kpu", "full", ["kab-ngawi.kpu.go.id"])
    assert command[-2:] == ["--queue", "redis://10.0.0.5:6379/0"] and "--full" in command
    assert "--queue" not in crawl_command(load_config(None), "postgresql://db/kpu", "full", ["kab-ngawi.kpu.go.id"])
