"""Two crawl processes writing one archive at once (the scheduler runs crawls in parallel).

Both write the same posts in opposite orders, in small batches: without the archive's write lock
one of them finds a post missing, the other inserts it first, and the batch fails on the unique key.
"""

from __future__ import annotations

import multiprocessing

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.domain.sites import load_registry
from archive.storage.db import open_engine
from archive.storage.models import Article, Cluster
from crawlers.sample.cluster_eval import record
from crawlers.sample.releases import generate


def _write(db_url: str, hosts: list[tuple[str, str]], reverse: bool) -> None:
    from archive.ingest import IngestSession

    docs = generate(seed=3, releases=30, background=50, hosts=hosts)
    registry = load_registry()
    writer = IngestSession(
        open_engine(db_url), [registry[h] for h in sorted({d.host for d in docs})], batch_size=5, run=False
    )
    for doc in reversed(docs) if reverse else docs:
        writer.add(record(doc, doc.published))
    writer.flush()
    writer.engine.dispose()


def test_two_processes_write_the_same_posts_once(db_url: str) -> None:
    open_engine(db_url).dispose()
    hosts = [(s.host, s.level) for s in load_registry().select()]
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write, args=(db_url, hosts, reverse)) for reverse in (False, True)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
    assert [w.exitcode for w in workers] == [0, 0]
    expected = len(generate(seed=3, releases=30, background=50, hosts=hosts))
    engine = open_engine(db_url)
    with Session(engine) as session:
        assert session.scalar(select(func.count(Article.id))) == expected
        assert (
            session.scalar(select(func.count(func.distinct(Article.cluster_id))))
            == session.scalar(select(func.count(Cluster.id)))
            > 0
        )
    engine.dispose()
