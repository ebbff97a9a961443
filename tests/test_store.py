"""Batched, idempotent archive writes, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.db import open_engine
from archive.models import Article, ArticleVersion, FrontierEntry
from archive.store import ArchiveWriter
from crawlers.sites import load_registry

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def record(host: str, native: str, body: str, when: datetime) -> dict:
    url = f"https://{host}/blog/read/{native}_judul"
    return {"host": host, "url": url, "native_id": native, "fetched_url": url, "http_status": 200,
            "fetched_at": when, "raw_html": f"<p>{body}</p>".encode(), "category_id": "104",
            "category": "Berita Terkini", "category_source": "page", "title": f"Judul {native}",
            "title_source": "heading", "body_text": body, "body_html": f"<p>{body}</p>", "credit": None,
            "byline": None, "view_count": 1, "hashtags": [], "images": [], "attachments": [], "see_also": [],
            "published_at": None, "published_precision": None, "published_source": "none", "published_text": None}


def test_writes_are_idempotent_and_versioned(db_url: str) -> None:
    engine = open_engine(db_url)
    sites = [load_registry().get("kota-singkawang"), load_registry().get("kab-pacitan")]
    hosts = [s.host for s in sites]
    writer = ArchiveWriter(engine, batch_size=3)
    writer.register_sites(sites)
    writer.start_run(hosts)
    writer.add_discovered(hosts[0], [f"https://{hosts[0]}/blog/read/{i}_judul" for i in range(8536, 8541)], "104", None)
    for i in range(8536, 8541):  # the same id on two sites: two different articles
        for host in hosts:
            writer.add_article(record(host, str(i), f"isi {i}", T0))
    writer.finish_run("finished", 10, {})
    assert writer.pending(hosts) == []

    again = ArchiveWriter(engine, batch_size=4)
    again.register_sites(sites)
    later = T0 + timedelta(days=1)
    for i in range(8536, 8541):
        again.add_article(record(hosts[0], str(i), f"isi {i}" if i != 8540 else "isi diubah", later))
        again.add_article(record(hosts[0], str(i), f"isi {i}" if i != 8540 else "isi diubah", later))  # twice in a batch
    again.flush()
    assert (again.counts[hosts[0]].new, again.counts[hosts[0]].unchanged, again.counts[hosts[0]].updated) == (0, 4, 1)

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
    writer = ArchiveWriter(engine)
    writer.register_sites([site])
    writer.add_discovered(site.host, [f"https://{site.host}/blog/read/{i}_judul" for i in (1, 2, 3)], "104", "Berita")
    writer.add_article(record(site.host, "1", "isi", T0))
    writer.flush()
    # a new process (the writer of the resumed run) sees what was never stored
    resumed = ArchiveWriter(engine)
    resumed.register_sites([site])
    assert [url for _, url, _, _ in resumed.pending([site.host])] == [
        f"https://{site.host}/blog/read/2_judul", f"https://{site.host}/blog/read/3_judul"]
    engine.dispose()
