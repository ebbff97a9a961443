"""Exports that open cleanly in Excel, pandas and pyarrow, with a manifest a paper can cite; Datasette."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import kpu_archive as cli
from sqlalchemy import update
from sqlalchemy.orm import Session
from test_search import build

from archive import Archive
from archive.read.browse import metadata
from archive.storage.db import open_engine
from archive.storage.models import Article

EVIL_TITLE = '=HYPERLINK("http://example.invalid","klik")'


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "arsip.db"
    build(f"sqlite:///{path}")
    engine = open_engine(str(path))
    with Session(engine) as session, session.begin():
        session.execute(update(Article).where(Article.native_id == "7817").values(title=EVIL_TITLE))
        session.execute(update(Article).where(Article.native_id == "934").values(body_text="+62 811 0000 dan -1"))
    engine.dispose()
    return path


def manifest_of(path: Path) -> dict:
    manifest = json.loads(path.with_name(path.name + ".manifest.json").read_text(encoding="utf-8"))
    assert manifest["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest["bytes"] == path.stat().st_size
    assert manifest["software"].startswith("kpu-archive ") and manifest["archive_snapshot"]
    return manifest


def test_csv_round_trip_citations_and_manifest(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "berita.csv"
    result = cli("export", "--db", str(db), "--out", str(out), "--province", "Papua Pegunungan")
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with Archive(str(db)) as archive:
        expected = list(archive.articles(provinces=["Papua Pegunungan"]))
    assert [r["archive_id"] for r in rows] == [e["archive_id"] for e in expected] and len(rows) == 4
    tolikara = next(r for r in rows if r["native_id"] == "7817")
    assert tolikara["archive_id"] == "kab-tolikara.kpu.go.id/7817"
    assert tolikara["citation"].startswith('KPU Kabupaten Tolikara. "') and tolikara["url"] in tolikara["citation"]
    assert "(accessed 2026-01-01)." in tolikara["citation"]
    manifest = manifest_of(out)
    assert manifest["rows"] == 4 and manifest["filters"]["provinces"] == ["Papua Pegunungan"]
    assert manifest["format"] == "csv" and manifest["columns"][0] == "archive_id"


def test_formula_injection_is_neutralised(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    assert cli("export", "--db", str(db), "--out", str(out)).returncode == 0
    rows = {r["native_id"]: r for r in csv.DictReader(out.open(encoding="utf-8", newline=""))}
    assert rows["7817"]["title"] == "'" + EVIL_TITLE and rows["934"]["body_text"].startswith("'+62")
    for row in rows.values():
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value
    parquet = tmp_path / "a.parquet"
    assert cli("export", "--db", str(db), "--format", "parquet", "--out", str(parquet)).returncode == 0
    table = pq.read_table(parquet).to_pylist()
    assert next(r for r in table if r["native_id"] == "7817")["title"] == "'" + EVIL_TITLE
    jsonl = [json.loads(line) for line in cli("export", "--db", str(db), "--format", "jsonl").stdout.splitlines()]
    assert next(r for r in jsonl if r["native_id"] == "7817")["title"] == EVIL_TITLE  # JSON keeps values as they are


def test_excel_variant_has_a_bom_and_crlf(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "excel.csv"
    assert cli("export", "--db", str(db), "--out", str(out), "--excel").returncode == 0
    raw = out.read_bytes()
    assert (
        raw.startswith(b"\xef\xbb\xbfarchive_id,") and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")[:200]
    )
    text = raw.decode("utf-8-sig")
    assert "Sumpah Pemuda" in text
    assert manifest_of(out)["format"] == "csv+excel"
    plain = tmp_path / "plain.csv"
    assert cli("export", "--db", str(db), "--out", str(plain)).returncode == 0
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")


def test_parquet_round_trip(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "berita.parquet"
    result = cli("export", "--db", str(db), "--format", "parquet", "--out", str(out), "--query", "sumpah pemuda")
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    assert str(table.schema.field("is_origin").type) == "bool" and str(table.schema.field("view_count").type) == "int64"
    rows = table.to_pylist()
    with Archive(str(db)) as archive:
        expected = {r["archive_id"]: r for r in archive.articles(query="sumpah pemuda")}
    assert {r["archive_id"] for r in rows} == set(expected) and len(rows) >= 3
    for row in rows:
        assert row["title"] == expected[row["archive_id"]]["title"]
        assert json.loads(row["images"]) == expected[row["archive_id"]]["images"]
    manifest = manifest_of(out)
    assert manifest["rows"] == len(rows) and manifest["filters"]["query"] == "sumpah pemuda"


def test_export_refuses_what_it_cannot_do(db: Path) -> None:
    for args, phrase in (
        (("--format", "parquet"), "--out"),
        (("--format", "jsonl", "--excel"), "--excel"),
        (("--query", "-only"), "bad search query"),
    ):
        result = cli("export", "--db", str(db), *args)
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and phrase in result.stderr, result.stderr


def test_stdout_export_streams_without_a_manifest(db: Path) -> None:
    result = cli("export", "--db", str(db), "--format", "csv", "--level", "kota")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {r["level"] for r in rows} == {"kota"}


def test_datasette_serves_search_facets_and_canned_queries(db: Path) -> None:
    from datasette.app import Datasette

    engine = open_engine(str(db))
    with Session(engine) as session, session.begin():
        session.execute(
            update(Article).where(Article.native_id == "934").values(removed_at=datetime(2026, 2, 1, tzinfo=UTC))
        )
    engine.dispose()
    name = db.stem
    ds = Datasette([str(db)], metadata=metadata(name))

    async def get(path: str) -> dict:
        response = await ds.client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        return response.json()

    async def scenario() -> None:
        found = await get(f"/{name}/posts.json?_search=sumpah&_facet=province&_facet=year&_shape=objects")
        assert found["rows"] and all("umpah" in (r["title"] + r["body_text"]) for r in found["rows"])
        provinces = {f["value"] for f in found["facet_results"]["province"]["results"]}
        assert {"Kalimantan Barat", "Jawa Timur"} <= provinces
        years = {f["value"] for f in found["facet_results"]["year"]["results"]}
        assert 2025 in years
        page = await ds.client.get(f"/{name}/posts?_search=pleno")
        assert page.status_code == 200 and "search" in page.text.lower()
        removed = await get(f"/{name}/recently_removed.json?_shape=objects")
        assert [r["site"] for r in removed["rows"]] == ["papuapegunungan.kpu.go.id"]
        monthly = await get(f"/{name}/posts_per_site_per_month.json?_shape=objects")
        assert monthly["rows"] and {"site", "month", "posts"} <= set(monthly["rows"][0])
        silent = await get(f"/{name}/silent_sites.json?_shape=objects&days=1")
        assert silent["rows"]  # every sample post is older than a day
        assert (await get(f"/{name}/largest_clusters.json?_shape=objects"))["rows"] == []

    asyncio.run(scenario())


def test_datasette_shows_the_posts_view_first_and_cuts_long_cells(db: Path) -> None:
    from datasette.app import Datasette

    from archive.read.browse import SETTINGS

    name = db.stem
    ds = Datasette([str(db)], metadata=metadata(name), settings=SETTINGS)

    async def scenario() -> None:
        page = (await ds.client.get(f"/{name}")).text
        assert 'href="/' + name + '/posts"' in page
        # the raw tables are one click away, under "hidden tables", after the view
        assert "article_versions" not in page.split("hidden table")[0]
        rows = (await ds.client.get(f"/{name}/posts.json?_shape=array")).json()
        assert max(len(r["body_text"]) for r in rows) > SETTINGS["truncate_cells_html"]  # long enough to cut
        assert "\u2026" in (await ds.client.get(f"/{name}/posts")).text  # cut, with an ellipsis
        uncut = Datasette([str(db)], metadata=metadata(name), settings={"truncate_cells_html": 0})
        assert "\u2026" not in (await uncut.client.get(f"/{name}/posts")).text

    asyncio.run(scenario())


def test_serve_refuses_postgresql_plainly() -> None:
    result = cli("serve", "--db", "postgresql://postgres@127.0.0.1/kpu")
    assert result.returncode == 2 and "Datasette reads SQLite files only" in result.stderr


def test_export_order_is_the_same_on_every_backend(db_url: str) -> None:
    """By site, then publication time (undated last), then id: SQLite and PostgreSQL agree."""
    from datetime import timedelta

    from conftest import T0, article, ingest

    from archive.read.api import Archive

    posts = [
        ("kab-ngawi", "3", T0 + timedelta(days=2)),
        ("bali", "9", None),
        ("kab-ngawi", "1", None),
        ("bali", "4", T0),
        ("kab-ngawi", "7", T0 - timedelta(days=30)),
        ("bali", "5", T0),
    ]
    engine = open_engine(db_url)
    ingest(
        engine, *[article(f"https://{h}.kpu.go.id/blog/read/{n}_x", f"isi {n}", published_at=p) for h, n, p in posts]
    )
    engine.dispose()
    with Archive(db_url) as archive:
        order = [row["archive_id"] for row in archive.articles()]
    assert order == [
        "bali.kpu.go.id/4",
        "bali.kpu.go.id/5",
        "bali.kpu.go.id/9",
        "kab-ngawi.kpu.go.id/7",
        "kab-ngawi.kpu.go.id/3",
        "kab-ngawi.kpu.go.id/1",
    ]


def test_the_vectorised_csv_writer_writes_what_pythons_csv_writer_writes() -> None:
    """Commas, quotes, CR/LF, formulas, empty and missing cells, numbers and booleans: byte for byte
    what ``csv.writer`` (minimal quoting, CRLF) writes for the same rows, across batch boundaries."""
    from archive.read.export import _csv_cell, write_csv_batches
    from archive.read.export_rows import Batch

    columns = ("title", "body_text", "view_count", "is_origin", "origin_lag_hours", "images", "published_at")
    rows = [
        ('a, "b"', "baris 1\r\nbaris 2", 3, True, 12.0, '[{"caption": "“Pleno”, x"}]', "2025-10-28T00:30:00+09:00"),
        ("=1+2", "", None, False, None, "[]", None),
        ("-pilkada", "\nawal", 0, True, -3.5, None, "2025-01-01T07:00:00+07:00"),
        ("biasa", 'kutip " tengah', 12345678901, False, 0.1, "[]", ""),
    ]
    expected = io.StringIO()
    writer = csv.writer(expected, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    batches = [Batch(len(part), {c: [r[i] for r in part] for i, c in enumerate(columns)}, {})
               for part in (rows[:1], rows[1:], [])]  # fmt: skip
    got = io.StringIO()
    assert write_csv_batches(batches, got, columns) == len(rows)
    assert got.getvalue() == expected.getvalue()


def test_local_times_are_what_astimezone_isoformat_gives_for_every_zone_and_value() -> None:
    """The export's local times come from Arrow kernels where a zone's offset is fixed since 1970:
    each must be what Python's ``astimezone(zone).isoformat()`` gives, microseconds, missing values,
    the driver's aware datetimes, and the old offsets (Jakarta was +07:30 in 1960) included."""
    import random
    from datetime import timedelta, timezone
    from zoneinfo import ZoneInfo

    from archive.read.local_times import local_iso

    rng = random.Random(7)
    zones = [ZoneInfo(z) for z in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "UTC", "Europe/Berlin")]
    for zone_set in (zones[:4], zones):  # the vectorised way, then a zone with summer time in the batch
        moments = [
            None if i % 11 == 0 else datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
                seconds=rng.randrange(0, 2_000_000_000), microseconds=rng.choice([0, 0, 7, 123456, 999999]))
            for i in range(3000)
        ]  # fmt: skip
        row_zones = [rng.choice(zone_set) for _ in moments]
        pairs = zip(moments, row_zones, strict=True)
        expected = [m.astimezone(z).isoformat() if m is not None else None for m, z in pairs]
        sqlite_text = [m.replace(tzinfo=None).isoformat(sep=" ") if m is not None else None for m in moments]
        aware = [m.astimezone(timezone(timedelta(hours=rng.randint(-5, 9)))) if m else None for m in moments]
        assert local_iso(sqlite_text, row_zones) == expected
        assert local_iso(aware, row_zones) == expected
    old = ["1960-01-01 00:00:00", "2024-02-29 17:00:00.000001"]
    assert local_iso(old, zones[:1] * 2) == ["1960-01-01T07:30:00+07:30", "2024-03-01T00:00:00.000001+07:00"]
    assert local_iso([None, None], zones[:2]) == [None, None]


def test_the_export_order_comes_from_an_index_not_from_every_posts_row(db: Path) -> None:
    """At a million posts, reading every row (with its text) to sort the ids costs seconds: on
    SQLite the order is read from the (site, publication time) index alone, taken-down posts left
    out by id."""
    from archive.read.export_rows import _key_statement
    from archive.read.filters import Filters

    engine = open_engine(str(db))

    def plan(filters: Filters) -> list[str]:
        sql = str(_key_statement(engine, filters, False).compile(engine, compile_kwargs={"literal_binds": True}))
        with engine.connect() as conn:
            return [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]

    steps = plan(Filters())  # the whole archive, the nightly export
    assert "SCAN articles USING COVERING INDEX ix_articles_site_published" in steps, steps
    assert not [s for s in steps if s.startswith(("SCAN articles", "SEARCH articles ")) and "COVERING" not in s]
    everything = list(csv.reader(io.StringIO(cli("export", "--db", str(db)).stdout)))
    removed = list(csv.reader(io.StringIO(cli("export", "--db", str(db), "--include-removed").stdout)))
    assert 1 < len(everything) <= len(removed)
    engine.dispose()


def test_read_ahead_keeps_order_raises_the_readers_error_and_stops_the_reader_when_the_writer_stops() -> None:
    """The export reads its next batches in a thread: the same items in the same order, a failed
    read raised to the writer, and a writer that stops (a closed pipe) ends the read, whose source
    is closed in its own thread (the database connection it opened)."""
    import threading

    from archive.read.read_ahead import read_ahead

    assert list(read_ahead(iter(range(1000)), depth=3)) == list(range(1000))

    def failing():  # type: ignore[no-untyped-def]
        yield 1
        raise ValueError("disk gone")

    with pytest.raises(ValueError, match="disk gone"):
        list(read_ahead(failing()))

    produced: list[int] = []
    closed_in: list[str] = []

    def endless():  # type: ignore[no-untyped-def]
        try:
            n = 0
            while True:
                produced.append(n)
                yield n
                n += 1
        finally:
            closed_in.append(threading.current_thread().name)

    taken = read_ahead(endless(), depth=2)
    assert [next(taken) for _ in range(5)] == [0, 1, 2, 3, 4]
    taken.close()  # the writer stops early
    assert closed_in == ["export-read-ahead"]
    assert len(produced) <= 5 + 2 + 2  # no more than the queue's depth was read ahead
