"""Batched, idempotent archive writes, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from conftest import T0, article, ingest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.domain.identity import article_ref
from archive.domain.records import DiscoveredLinks
from archive.domain.sites import load_registry
from archive.ingest import IngestSession
from archive.storage.db import open_engine
from archive.storage.models import Article, ArticleVersion, FrontierEntry
from archive.vocab import Outcome


def record(host: str, native: str, body: str, when=T0):  # type: ignore[no-untyped-def]
    return article(f"https://{host}/blog/read/{native}_judul", body, when, title=f"Judul {native}", view_count=1)


def links(host: str, ids) -> DiscoveredLinks:  # type: ignore[no-untyped-def]
    refs = tuple(article_ref(f"https://{host}/blog/read/{i}_judul") for i in ids)
    return DiscoveredLinks(host, refs, "104", None)  # type: ignore[arg-type]


def test_writes_are_idempotent_and_versioned(db_url: str) -> None:
    engine = open_engine(db_url)
    sites = [load_registry().get("kota-singkawang"), load_registry().get("kab-pacitan")]
    hosts = [s.host for s in sites]  # type: ignore[union-attr]
    first = IngestSession(engine, sites, batch_size=3)  # type: ignore[arg-type]
    first.add(links(hosts[0], range(8536, 8541)))
    for i in range(8536, 8541):  # the same id on two sites: two different articles
        for host in hosts:
            first.add(record(host, str(i), f"isi {i}"))
    first.close("finished", 10)
    assert first.pending() == []

    again = IngestSession(engine, sites, batch_size=4, run=False)  # type: ignore[arg-type]
    later = T0 + timedelta(days=1)
    results = []
    for i in range(8536, 8541):
        results += again.add(record(hosts[0], str(i), f"isi {i}" if i != 8540 else "isi diubah", later))
        results += again.add(record(hosts[0], str(i), f"isi {i}" if i != 8540 else "isi diubah", later))  # twice
    results += again.flush()
    assert (again.counts[hosts[0]].new, again.counts[hosts[0]].unchanged, again.counts[hosts[0]].updated) == (0, 4, 1)
    assert sorted(r.outcome for r in results) == sorted([Outcome.UNCHANGED] * 4 + [Outcome.UPDATED])

    with Session(engine) as session:
        assert session.scalar(select(func.count(Article.id))) == 10
        assert session.scalar(select(func.count(ArticleVersion.id))) == 11
        edited = session.scalars(select(Article).where(Article.native_id == "8540", Article.site_id == 1)).one()
        assert edited.body_text == "isi diubah"
        assert edited.first_seen_at == T0 and edited.last_seen_at == later
        assert edited.first_seen_at.utcoffset() == timedelta(0)
        assert session.scalar(select(func.count(FrontierEntry.id)).where(FrontierEntry.done_at.is_(None))) == 0
    engine.dispose()


def test_pending_frontier_survives_a_kill(db_url: str) -> None:
    engine = open_engine(db_url)
    site = load_registry().get("kab-tolikara")
    writer = IngestSession(engine, [site], run=False)  # type: ignore[list-item]
    writer.add(links(site.host, (1, 2, 3)))  # type: ignore[union-attr]
    writer.add(record(site.host, "1", "isi"))  # type: ignore[union-attr]
    writer.flush()
    # a new process (the writer of the resumed run) sees what was never stored
    resumed = IngestSession(engine, [site], run=False)  # type: ignore[list-item]
    assert [p.url for p in resumed.pending()] == [
        f"https://{site.host}/blog/read/2_judul",
        f"https://{site.host}/blog/read/3_judul",
    ]  # type: ignore[union-attr]
    engine.dispose()


def test_the_fast_schema_check_knows_alembics_head(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``at_head`` answers without Alembic; it must name the revision Alembic itself calls head."""
    from archive.storage.db import HEAD_REVISION, at_head, schema_revisions

    engine = open_engine(str(tmp_path / "a.db"))
    with engine.connect() as conn:
        current, head, _ = schema_revisions(conn)
        assert current == head == HEAD_REVISION and at_head(conn)
    engine.dispose()


def test_a_crawl_process_loads_neither_alembic_nor_scipy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A new archive and one at head open, ingest and cluster without Alembic, scipy or scrapy-redis
    (~65 MB of resident memory a crawl process does not need)."""
    import subprocess
    import sys

    script = f"""
import sys
from archive.storage.db import open_engine
import archive.ingest.clustering, crawlers.pipelines, crawlers.spiders.kpu
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings
for _ in range(2):
    open_engine({str(tmp_path / "a.db")!r}).dispose()
SpiderLoader.from_settings(get_project_settings()).load("kpu")
print(sorted(m for m in ("alembic", "scipy", "scrapy_redis", "trafilatura", "bs4") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr[-500:]


def test_a_batch_finds_its_articles_by_index_not_by_scanning_the_archive(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A batch's cost must not grow with the archive: SQLite scans a whole index for a row-value
    ``(site_id, native_id) IN (...)``, which cost a crawl into a 200k-post archive 1.8x the CPU."""
    from sqlalchemy import event

    engine = open_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    hosts = ["kota-singkawang.kpu.go.id", "kab-pacitan.kpu.go.id"]
    ingest(engine, *(record(hosts[i % 2], str(9000 + i), f"isi {i}") for i in range(20)))
    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    # the same posts again, and new ones, on both sites
    ingest(engine, *(record(hosts[i % 2], str(9000 + i * 2), f"isi {i} baru") for i in range(20)))
    event.remove(engine, "before_cursor_execute", capture)
    scans = []
    with engine.connect() as conn:
        for statement, parameters in statements:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()  # type: ignore[arg-type]
            scans += [
                (statement, row[-1]) for row in plan if row[-1].startswith("SCAN") and "CONSTANT ROW" not in row[-1]
            ]
    looked_up = [s for s in statements if "FROM articles" in s[0] or "FROM article_urls" in s[0]]
    assert looked_up, "the batch looked up no archived articles"
    assert not scans  # no table of the archive is scanned by a batch's reads
