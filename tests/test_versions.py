"""Identity across URL variants, versions, takedown rules and migrations, at the store level."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import T0, article, ingest
from conftest import gone as make_gone
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.domain.identity import article_ref
from archive.domain.records import ArticleRecord, DiscoveredLinks, FetchFailure, GoneRecord
from archive.ingest import IngestSession
from archive.ingest.reads import recheck_targets
from archive.storage.db import open_engine, schema_diff
from archive.storage.models import Article, ArticleEvent, ArticleUrl, ArticleVersion, FrontierEntry

FIXTURES = Path(__file__).parent / "fixtures"
HOST = "kab-ngawi.kpu.go.id"


def record(
    path: str,
    native: str,
    body: str,
    when: datetime,
    title: str = "Rapat Pleno Terbuka",
    requested: list[str] | None = None,
    published: datetime | None = None,
) -> ArticleRecord:
    rec = article(
        f"https://{HOST}/blog/read/{path}",
        body,
        when,
        title=title,
        view_count=1,
        redirected_from=[f"https://{HOST}/blog/read/{r}" for r in requested or []],
        published_at=published,
        published_precision="day" if published else None,
        published_source="body" if published else "none",
    )
    assert rec.native_id == native
    return rec


def gone(path: str, when: datetime, status: int = 404, reason: str = "http-404") -> GoneRecord:
    return make_gone(f"https://{HOST}/blog/read/{path}", when, status, reason)


def write(engine, *records: ArticleRecord, checks: tuple[GoneRecord, ...] = (), **kwargs) -> IngestSession:  # type: ignore[no-untyped-def]
    return ingest(engine, *records, *checks, hosts=[HOST], **kwargs)


def fail(engine, path: str, error: str) -> None:  # type: ignore[no-untyped-def]
    """A fetch that failed for good (5xx after retries, a timeout)."""
    ref = article_ref(f"https://{HOST}/blog/read/{path}")
    assert ref is not None
    ingest(engine, FetchFailure(ref=ref, error=error, at=T0), hosts=[HOST])


def events(engine, native: str) -> list[str]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return list(
            session.scalars(
                select(ArticleEvent.kind).join(Article).where(Article.native_id == native).order_by(ArticleEvent.id)
            )
        )


def test_an_edit_and_its_revert_are_three_versions(db_url: str) -> None:
    engine = open_engine(db_url)
    write(engine, record("5_rapat", "5", "isi pertama", T0))
    w = write(engine, record("5_rapat", "5", "isi kedua", T0 + timedelta(hours=1)))
    assert w.counts[HOST].updated == 1
    write(engine, record("5_rapat", "5", "isi pertama", T0 + timedelta(hours=2)))
    write(engine, record("5_rapat", "5", "isi  pertama", T0 + timedelta(hours=3)))  # whitespace only: unchanged
    with Session(engine) as session:
        bodies = session.scalars(select(ArticleVersion.body_text).order_by(ArticleVersion.id)).all()
        article = session.scalars(select(Article)).one()
    assert bodies == ["isi pertama", "isi kedua", "isi pertama"]
    assert article.body_text == "isi pertama" and article.last_seen_at == T0 + timedelta(hours=3)
    assert events(engine, "5") == ["first-seen", "edited", "edited"]
    engine.dispose()


def test_a_slug_only_url_redirected_to_an_id_url_is_the_same_article(db_url: str) -> None:
    engine = open_engine(db_url)
    write(engine, record("rapat-pleno-dpt", "rapat-pleno-dpt", "isi", T0))
    later = T0 + timedelta(days=1)
    w = write(engine, record("77_rapat-pleno-dpt", "77", "isi", later, requested=["rapat-pleno-dpt"]))
    assert (w.counts[HOST].new, w.counts[HOST].unchanged) == (0, 1)
    with Session(engine) as session:
        article = session.scalars(select(Article)).one()
        urls = session.scalars(select(ArticleUrl.url).order_by(ArticleUrl.id)).all()
    assert article.native_id == "77" and article.url.endswith("/77_rapat-pleno-dpt")
    assert urls == [f"https://{HOST}/blog/read/rapat-pleno-dpt", f"https://{HOST}/blog/read/77_rapat-pleno-dpt"]
    assert events(engine, "77") == ["first-seen", "moved"]
    engine.dispose()


def test_slug_only_and_id_url_join_only_when_title_and_date_agree(db_url: str) -> None:
    engine = open_engine(db_url)
    day = datetime(2024, 10, 28, tzinfo=UTC)
    write(
        engine,
        record(
            "upacara-sumpah-pemuda",
            "upacara-sumpah-pemuda",
            "isi 2024",
            T0,
            title="Upacara Sumpah Pemuda",
            published=day,
        ),
    )
    # the next year's post reuses the slug, with another date: a different article
    write(
        engine,
        record(
            "91_upacara-sumpah-pemuda",
            "91",
            "isi 2025",
            T0 + timedelta(days=365),
            title="Upacara Sumpah Pemuda",
            published=day + timedelta(days=365),
        ),
    )
    # the same post listed under its new {id}_{slug} URL, no redirect seen: joined
    w = write(
        engine,
        record(
            "12_upacara-sumpah-pemuda",
            "12",
            "isi 2024",
            T0 + timedelta(days=2),
            title="Upacara Sumpah Pemuda",
            published=day,
        ),
    )
    assert w.counts[HOST].unchanged == 1
    with Session(engine) as session:
        assert sorted(session.scalars(select(Article.native_id))) == ["12", "91"]
    engine.dispose()


def test_two_archived_articles_a_redirect_proves_one_are_merged(db_url: str) -> None:
    engine = open_engine(db_url)
    write(engine, record("rapat-pleno", "rapat-pleno", "isi lama", T0))
    write(engine, record("40_rapat-pleno-baru", "40", "isi baru", T0 + timedelta(hours=1), title="Lain"))
    write(
        engine,
        record(
            "40_rapat-pleno-baru", "40", "isi baru", T0 + timedelta(hours=2), title="Lain", requested=["rapat-pleno"]
        ),
    )
    with Session(engine) as session:
        article = session.scalars(select(Article)).one()
        assert article.native_id == "40"
        assert session.scalar(select(func.count(ArticleVersion.id))) == 2
        assert session.scalar(select(func.count(ArticleUrl.id)).where(ArticleUrl.article_id == article.id)) == 2
    assert "merged" in events(engine, "40")
    engine.dispose()


def test_a_removal_needs_a_second_check_later_and_failures_never_count(db_url: str) -> None:
    engine = open_engine(db_url)
    write(engine, record("8_pengumuman", "8", "isi", T0))
    first = T0 + timedelta(days=1)
    w = write(engine, checks=(gone("8_pengumuman", first),))
    assert w.counts[HOST].suspected == 1 and w.counts[HOST].removed == 0
    # a 5xx or a timeout after that changes nothing
    fail(engine, "8_pengumuman", "503 Service Unavailable")
    # a second 404 only an hour later is not yet a confirmation
    w = write(engine, checks=(gone("8_pengumuman", first + timedelta(hours=1)),))
    assert w.counts[HOST].removed == 0
    w = write(engine, checks=(gone("8_pengumuman", first + timedelta(hours=13), 200, "soft-404"),))
    assert w.counts[HOST].removed == 1
    with Session(engine) as session:
        article = session.scalars(select(Article)).one()
        assert article.removed_at == first  # when it was first seen gone
        assert (article.removal_status, article.removal_reason) == (200, "soft-404")
    assert recheck_targets(engine, [HOST], 10)  # removed articles are still rechecked
    w = write(engine, record("8_pengumuman", "8", "isi", first + timedelta(days=3)))
    assert w.counts[HOST].restored == 1
    with Session(engine) as session:
        article = session.scalars(select(Article)).one()
        assert article.removed_at is None and article.removal_suspected_at is None
    assert events(engine, "8") == ["first-seen", "removal-suspected", "removed", "restored"]
    engine.dispose()


def test_recheck_order_and_frontier_give_up(db_url: str) -> None:
    engine = open_engine(db_url)
    write(
        engine,
        record("1_a", "1", "isi a", T0),
        record("2_b", "2", "isi b", T0 + timedelta(hours=1)),
        record("3_c", "3", "isi c", T0 + timedelta(hours=2)),
    )
    write(engine, checks=(gone("3_c", T0 + timedelta(hours=5)),))
    order = [target.url.rsplit("/", 1)[1] for target in recheck_targets(engine, [HOST], 3)]
    assert order == ["3_c", "1_a", "2_b"]  # the suspected one first, then least recently checked
    ref = article_ref(f"https://{HOST}/blog/read/9_x")
    assert ref is not None
    w = ingest(engine, DiscoveredLinks(HOST, (ref,), "104", None))
    for _ in range(5):
        fail(engine, "9_x", "timeout")
    assert w.pending() == []  # left to --recheck after 5 failed attempts
    with Session(engine) as session:
        assert session.scalar(select(FrontierEntry.attempts).where(FrontierEntry.url.endswith("/9_x"))) == 5
    engine.dispose()


def _first_release_schema(url: str) -> None:
    """Create the tables exactly as the first release's models did (its models.py, kept as a fixture)."""
    import sys
    import types

    from sqlalchemy import create_engine

    module = types.ModuleType("archive_v1_models")
    sys.modules[module.__name__] = module  # SQLAlchemy resolves the string annotations through it
    source = (FIXTURES / "archive_v1_models.py.txt").read_text()
    exec(compile(source, "archive_v1_models.py", "exec"), module.__dict__)  # our own fixture
    engine = create_engine(url)
    module.Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        session.add(
            module.Site(
                id=1,
                host=HOST,
                name="KPU Kabupaten Ngawi",
                level="kabupaten",
                province="Jawa Timur",
                timezone="Asia/Jakarta",
                host_source="seen",
            )
        )
        session.flush()
        session.add(
            module.Article(
                id=1,
                site_id=1,
                native_id="5",
                url=f"https://{HOST}/blog/read/5_x",
                category_source="none",
                title="t",
                title_source="heading",
                body_text="isi",
                body_html="",
                published_source="none",
                content_sha256="abc",
                first_seen_at=T0,
                last_seen_at=T0 + timedelta(days=1),
                fetched_at=T0 + timedelta(days=1),
            )
        )
        session.flush()
        session.add(
            module.ArticleVersion(
                article_id=1,
                content_sha256="abc",
                title="t",
                body_text="isi",
                url=f"https://{HOST}/blog/read/5_x",
                fetched_at=T0,
                http_status=200,
                raw_html_zlib=b"\x00",
            )
        )
    engine.dispose()


def test_an_archive_of_the_first_release_is_migrated(db_url: str) -> None:
    url = db_url.replace("postgresql://", "postgresql+psycopg://")
    _first_release_schema(url)
    engine = open_engine(db_url)
    with engine.connect() as c:
        assert schema_diff(c) == []
    with Session(engine) as session:
        article = session.scalars(select(Article)).one()
        assert article.checked_at == T0 + timedelta(days=1)
        assert session.scalars(select(ArticleUrl.url)).all() == [f"https://{HOST}/blog/read/5_x"]
        assert session.scalars(select(ArticleEvent.kind)).all() == ["first-seen"]
    # and it keeps working: its content hash was not ours, so the same text becomes a second version
    w = write(engine, record("5_x", "5", "isi", T0 + timedelta(days=2), title="t"))
    assert w.counts[HOST].updated == 1
    engine.dispose()
    open_engine(db_url).dispose()  # opening again is a no-op
