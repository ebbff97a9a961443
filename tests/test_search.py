"""Full-text search on SQLite (FTS5) and PostgreSQL (tsvector): syntax, ranking, every filter."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import kpu_archive as cli
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive import Archive
from archive.domain.sites import load_registry
from archive.ingest import IngestSession
from archive.read.filters import Filters
from archive.read.query_syntax import QueryError, parse_query, to_fts5, to_tsquery
from archive.read.search import search
from archive.storage.db import open_engine
from archive.storage.models import Article, SiteRow
from crawlers.sample.cluster_eval import record
from crawlers.sample.pages import expected_body_text
from crawlers.sample.releases import Doc
from crawlers.sample.server import load_articles

WIT = timedelta(hours=9)


def build(db_url: str) -> None:
    """The 11 real sample articles, plus a Papuan post just after midnight WIT and a copied release."""
    registry = load_registry()
    docs = []
    for a in load_articles():
        published = datetime.fromisoformat(a.expected["published_at"]) if a.expected.get("published_at") else None
        docs.append((Doc(a.host, a.native_id, a.title, expected_body_text(a, "a"), published, ""), a.category))
    midnight = datetime(2025, 10, 28, 0, 30, tzinfo=UTC) - WIT  # 28 Oct 00:30 in Jayapura, 27 Oct in UTC
    docs.append(
        (
            Doc(
                "kab-jayawijaya.kpu.go.id",
                "7999",
                "Rapat Pleno Rekapitulasi Daftar Pemilih",
                "Wamena - KPU Jayawijaya menggelar rapat pleno rekapitulasi daftar pemilih berkelanjutan.",
                midnight,
                "",
            ),
            "104",
        )
    )
    writer = IngestSession(open_engine(db_url), [registry[h] for h in sorted({d.host for d, _ in docs})], run=False)
    for doc, category in docs:
        writer.add(
            record(
                doc,
                datetime(2026, 1, 1, tzinfo=UTC),
                published_at=doc.published,
                category={"11": "Pengumuman", "135": "Opini"}.get(category, "Berita Terkini"),
            )
        )
    writer.flush()
    writer.engine.dispose()


@pytest.fixture
def archive_url(db_url: str) -> str:
    build(db_url)
    return db_url


def hosts(hits: list[dict]) -> list[str]:
    return [h["site"].split(".")[0] for h in hits]


def run(engine, query: str, **kwargs) -> list[dict]:  # type: ignore[no-untyped-def]
    return search(engine, Filters(query=query, **kwargs), limit=50)


def test_syntax_words_phrases_or_exclusion_prefix(archive_url: str) -> None:
    engine = open_engine(archive_url)
    sumpah = set(hosts(run(engine, "sumpah pemuda")))
    assert {"kota-singkawang", "kab-pacitan", "kota-surabaya"} <= sumpah
    phrase = hosts(run(engine, '"peringatan hari sumpah pemuda"'))
    assert phrase and set(phrase) <= sumpah
    assert set(hosts(run(engine, "tolikara OR jayawijaya"))) >= {"kab-tolikara", "kab-jayawijaya"}
    assert "kota-surabaya" not in hosts(run(engine, "sumpah pemuda -surabaya"))
    assert "kota-surabaya" not in hosts(run(engine, 'sumpah pemuda -"kota surabaya"'))
    prefix = hosts(run(engine, "rekapitul*"))
    assert "kab-jayawijaya" in prefix and hosts(run(engine, "rekapitul")) == []
    engine.dispose()


def test_ranking_puts_title_matches_first_and_marks_snippets(archive_url: str) -> None:
    engine = open_engine(archive_url)
    hits = run(engine, "tolikara")
    assert hits[0]["site"] == "kab-tolikara.kpu.go.id" and "Tolikara" in hits[0]["title"]
    assert "**" in hits[0]["snippet"] and "tolikara" in hits[0]["snippet"].lower()
    assert [h["rank"] for h in hits] == sorted(h["rank"] for h in hits)
    engine.dispose()


def test_every_filter(archive_url: str) -> None:
    engine = open_engine(archive_url)
    papua = run(engine, "pemilih", provinces=("Papua Pegunungan",))
    assert papua and {h["province"] for h in papua} == {"Papua Pegunungan"}
    assert set(hosts(run(engine, "pemilih", hosts=("kab-tolikara.kpu.go.id",)))) == {"kab-tolikara"}
    assert {h["site"] for h in run(engine, "kpu", levels=("provinsi",))} <= {
        "lampung.kpu.go.id",
        "bali.kpu.go.id",
        "papuapegunungan.kpu.go.id",
    }
    assert hosts(run(engine, "pemilu", categories=("opini",))) == ["kab-tangerang"]
    # 28 Oct 00:30 in Jayapura is 27 Oct in UTC: the site's own date counts
    on_28 = run(engine, "rekapitulasi", since=date(2025, 10, 28), until=date(2025, 10, 28))
    assert [h["archive_id"] for h in on_28] == ["kab-jayawijaya.kpu.go.id/7999"]
    assert run(engine, "rekapitulasi", since=date(2025, 10, 29), hosts=("kab-jayawijaya.kpu.go.id",)) == []
    with Session(engine) as session, session.begin():
        session.execute(update(Article).where(Article.native_id == "7999").values(removed_at=datetime.now(UTC)))
    assert "kab-jayawijaya.kpu.go.id/7999" not in [h["archive_id"] for h in run(engine, "rekapitulasi")]
    engine.dispose()


def test_capped_ranking_gives_the_same_pages_as_full_ranking(archive_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.read.search

    engine = open_engine(archive_url)
    cases = [
        ("pemilih", {}),
        ("pemilih", {"provinces": ("Papua Pegunungan",)}),
        ("kpu", {"levels": ("kota",)}),
        ("sumpah OR pleno", {"since": date(2025, 10, 1)}),
        ("pemilu", {"categories": ("opini",)}),
    ]
    full = [search(engine, Filters(query=q, **f), limit=3, offset=o) for q, f in cases for o in (0, 2)]
    monkeypatch.setattr(archive.read.search, "MIN_CANDIDATES", 1)  # candidates run out: the exact fallback must run
    monkeypatch.setattr(archive.read.search, "CANDIDATES_PER_RESULT", 1)
    capped = [search(engine, Filters(query=q, **f), limit=3, offset=o) for q, f in cases for o in (0, 2)]
    assert [[h["archive_id"] for h in page] for page in capped] == [[h["archive_id"] for h in page] for page in full]
    assert any(len(page) == 3 for page in full) and any(page == [] or len(page) < 3 for page in full)
    engine.dispose()


def test_edits_are_reindexed(archive_url: str) -> None:
    engine = open_engine(archive_url)
    with Session(engine) as session, session.begin():
        session.execute(
            update(Article)
            .where(Article.native_id == "7817")
            .values(title="Judul Baru Zamrud", body_text="Isi yang diubah tentang zamrud.")
        )
    assert hosts(run(engine, "zamrud")) == ["kab-tolikara"]
    assert "kab-tolikara" not in hosts(run(engine, "memutahirkan"))
    engine.dispose()


def test_diacritics_are_ignored_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    build(url)
    engine = open_engine(url)
    assert hosts(run(engine, "tólikara"))[:1] == ["kab-tolikara"]
    engine.dispose()


@pytest.mark.parametrize(
    "bad, phrase",
    [
        ("", "empty"),
        ('"rekapitulasi dpt', "not closed"),
        ("OR pleno", "OR needs"),
        ("pleno OR", "OR needs"),
        ("-pilkada", "at least one word"),
        ("pleno OR -dpt", "cannot be part of an OR"),
        ("***", "no letters"),
        ("a-b*c*", "single word"),
    ],
)
def test_malformed_queries_are_refused_clearly(bad: str, phrase: str) -> None:
    with pytest.raises(QueryError, match=phrase):
        parse_query(bad)


def test_query_text_never_reaches_the_engine_as_syntax() -> None:
    groups = parse_query('NEAR(a b) "x" OR y* -z col:value')
    assert to_fts5(groups) == '("near a") AND ("b") AND ("x" OR "y"*) AND ("col value") NOT "z"'
    assert to_tsquery(groups) == "(('near' <-> 'a')) & ('b') & ('x' | 'y':*) & (!'z') & (('col' <-> 'value'))"
    assert to_tsquery(parse_query("o'brien")) == "(('o' <-> 'brien'))"


def test_python_api(archive_url: str) -> None:
    with Archive(archive_url) as archive:
        hits = list(archive.search("sumpah pemuda", provinces=["Jawa Timur"], since="2025-01-01"))
        assert hits and {h["province"] for h in hits} == {"Jawa Timur"}
        rows = list(archive.articles(query="pemuda", levels=["kota"]))
        assert rows and all(r["level"] == "kota" for r in rows) and "citation" in rows[0]
        everything = list(archive.articles())
        assert len(everything) == 12 and isinstance(everything[0], dict)
        try:
            import pandas  # noqa: F401
        except ImportError:
            with pytest.raises(ImportError, match="pip install pandas"):
                archive.to_pandas()
        else:
            assert len(archive.to_pandas(levels=["kota"])) == len(list(archive.articles(levels=["kota"])))


def test_search_command(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    build(f"sqlite:///{db}")
    table = cli("search", "sumpah pemuda", "--db", db, "--limit", "2")
    assert table.returncode == 0, table.stderr
    assert "date" in table.stdout and "snippet" in table.stdout and "kpu.go.id" in table.stdout
    lines = cli("search", "sumpah pemuda", "--db", db, "--format", "jsonl", "--province", "jawa timur").stdout
    hits = [json.loads(line) for line in lines.splitlines()]
    assert hits and {h["province"] for h in hits} == {"Jawa Timur"}
    csv_out = cli("search", "tolikara", "--db", db, "--format", "csv")
    assert csv_out.stdout.startswith("published_at,site,") and "kab-tolikara" in csv_out.stdout
    for args, phrase in (
        (("search", '"unclosed', "--db", db), "bad search query"),
        (("search", "x", "--province", "Atlantis", "--db", db), "no site of province"),
        (("search", "x", "--since", "2025-02-30", "--db", db), "not a date"),
    ):
        bad = cli(*args)
        assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and phrase in bad.stderr, bad.stderr
    none = cli("search", "zzzzqqq", "--db", db)
    assert none.returncode == 0 and "no matches" in none.stderr


SORT_CASES = [
    ("pemilih", {}),
    ("pemilih", {"provinces": ("Papua Pegunungan",)}),
    ("kpu", {"levels": ("kota",)}),
    ("sumpah OR pleno", {"since": date(2025, 10, 1)}),
    ("pemilu -pilkada", {}),
    ("kpu", {"one_per_cluster": True}),
]


def _newest(engine, query: str, filters: dict, limit: int = 50, offset: int = 0) -> list[str]:  # type: ignore[no-untyped-def]
    return [h["archive_id"] for h in search(engine, Filters(query=query, **filters), limit, offset, sort="date")]


def test_sort_by_date_is_newest_first_by_every_plan(archive_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.read.search_by_date as by_date

    engine = open_engine(archive_url)
    with Session(engine) as session, session.begin():  # one undated post, and one taken down
        session.execute(update(Article).where(Article.native_id == "7817").values(published_at=None))
        session.execute(update(Article).where(Article.native_id == "7999").values(removed_at=datetime.now(UTC)))
    for query, filters in SORT_CASES:
        every = run(engine, query, **filters)
        hits = search(engine, Filters(query=query, **filters), limit=50, sort="date")
        assert sorted(h["archive_id"] for h in hits) == sorted(h["archive_id"] for h in every)  # the same matches
        times = [datetime.fromisoformat(h["published_at"]) for h in hits if h["published_at"]]
        assert times == sorted(times, reverse=True), query
        assert [h["published_at"] is None for h in hits] == sorted(
            h["published_at"] is None for h in hits
        )  # undated last
        assert all(h["rank"] is None and h["snippet"] for h in hits)
    assert any(h["published_at"] is None for h in search(engine, Filters(query="pemilih"), 50, sort="date"))
    sorted_plan = [[_newest(engine, q, f, 3, o) for o in (0, 2)] + [_newest(engine, q, f)] for q, f in SORT_CASES]
    assert any(len(pages[-1]) > 3 for pages in sorted_plan)
    if engine.dialect.name == "sqlite":  # the share is judged from the first matches' ids
        monkeypatch.setattr(by_date, "SORT_MATCHES_UP_TO", 2)
        with Session(engine) as session:
            assert by_date.sqlite_plan(session, parse_query("kpu")) == "probe"  # in nearly every post
            assert by_date.sqlite_plan(session, parse_query("kpu*")) == "set"  # a prefix: never probed
    monkeypatch.setattr(by_date, "SORT_MATCHES_UP_TO", 0)  # every query "common": walk the date index
    for share, plan in ((1.0, "set"), (0.0, "probe")):  # checked against the matching ids, or one by one
        monkeypatch.setattr(by_date, "PROBE_SHARE", share)
        if engine.dialect.name == "sqlite":
            with Session(engine) as session:
                assert by_date.sqlite_plan(session, parse_query("kpu")) == plan
        walked = [[_newest(engine, q, f, 3, o) for o in (0, 2)] + [_newest(engine, q, f)] for q, f in SORT_CASES]
        assert walked == sorted_plan, plan
    with pytest.raises(ValueError, match="sort must be one of"):
        search(engine, Filters(query="kpu"), sort="views")
    engine.dispose()


def test_count_is_the_number_of_matches(archive_url: str) -> None:
    import archive.read.search as searching

    engine = open_engine(archive_url)
    with Session(engine) as session, session.begin():
        session.execute(update(Article).where(Article.native_id == "7999").values(removed_at=datetime.now(UTC)))
    with Session(engine) as session:  # the taken-down post's own site: counted from that site's posts
        host = session.scalar(
            select(SiteRow.host).join(Article, Article.site_id == SiteRow.id).where(Article.native_id == "7999")
        )
    by_site: list[tuple[str, dict[str, Any]]] = [
        ("kpu OR pemilih", {"hosts": (host,)}),
        ("pemilih", {"provinces": ("Papua Pegunungan",), "since": date(2025, 10, 1)}),
        ("pemil* OR kpu", {"hosts": (host, "kab-pacitan.kpu.go.id"), "until": date(2026, 12, 31)}),
    ]
    cases = [*SORT_CASES, *by_site, ("rekapitulasi", {}), ("zzzqqq", {})]
    expected = [len(run(engine, q, **f)) for q, f in cases]
    assert [searching.count_matches(engine, Filters(query=q, **f)) for q, f in cases] == expected
    assert expected[-2] > 0 and expected[-1] == 0  # the taken-down post is not counted
    assert all(expected[len(SORT_CASES) : len(SORT_CASES) + len(by_site)])
    engine.dispose()


def test_search_command_sorts_by_date_and_counts(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    build(f"sqlite:///{db}")
    newest = cli("search", "pemilih", "--db", db, "--sort", "date", "--format", "jsonl", "--limit", "100")
    assert newest.returncode == 0, newest.stderr
    hits = [json.loads(line) for line in newest.stdout.splitlines()]
    times = [datetime.fromisoformat(h["published_at"]) for h in hits if h["published_at"]]
    assert len(times) > 2 and times == sorted(times, reverse=True)
    counted = cli("search", "pemilih", "--db", db, "--count")
    assert counted.returncode == 0 and counted.stdout == f"{len(hits)}\n", (counted.stdout, counted.stderr)
    bad = cli("search", "pemilih", "--db", db, "--sort", "views")
    assert bad.returncode == 2 and "views" in bad.stderr


def test_snippets_of_a_prefix_query_name_the_words_it_matched(archive_url: str) -> None:
    from archive.read.query_syntax import without_prefixes

    groups = parse_query("pemil* OR kpu -rekap* dpt")
    words = {"pemilu", "pemilih", "kpu", "rekapitulasi", "dpt", "lain"}
    assert (
        to_fts5(without_prefixes(groups, words) or [])
        == '("pemilih" OR "pemilu" OR "kpu") AND ("dpt") NOT "rekapitulasi"'
    )
    assert without_prefixes(parse_query("zz*"), words) is None  # no such word: the query stays as it is
    assert to_fts5(without_prefixes(parse_query("Pémi* -zz*"), words) or []) == '("pemilih" OR "pemilu")'
    engine = open_engine(archive_url)
    for sort in ("relevance", "date"):
        hits = search(engine, Filters(query="pemuta*"), limit=50, sort=sort)
        assert hits and all("**pemuta" in h["snippet"].lower() for h in hits), [h["snippet"] for h in hits]
    engine.dispose()
