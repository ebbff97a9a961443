"""Year-less dates: the year is settled from listing neighbours, ids and first-seen, or not at all."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from conftest import article, ingest, kpu_archive
from sqlalchemy import Engine, select

from archive.domain.dates import Bounds, DayMonth, settle_year
from archive.domain.identity import article_ref
from archive.domain.records import ListingOrder
from archive.storage.db import open_engine
from archive.storage.models import Article
from crawlers.sample.server import write_registry
from crawlers.sample.timeline import decade_world, score

SEEN = date(2026, 12, 1)
HOST = "kab-sleman.kpu.go.id"


def test_neighbours_settle_the_year_the_weekday_alone_cannot() -> None:
    thursday = DayMonth(12, 4, weekday=3)  # 4 December was a Thursday in 2025, 2014, 2008, 2003
    assert len(thursday.candidates(date(2000, 1, 1), SEEN)) == 4
    listing = Bounds(date(2014, 11, 20), date(2015, 1, 30), "listing")
    assert settle_year(thursday, [listing], SEEN) == (date(2014, 12, 4), "listing")
    assert settle_year(DayMonth(12, 4, weekday=2), [listing], SEEN) is None  # no Wednesday 4/12 in that range


def test_ids_settle_what_the_listing_leaves_open() -> None:
    partial = DayMonth(3, 8)
    listing = Bounds(date(2016, 1, 1), None, "listing")  # the newest post: only first-seen above it
    ids = Bounds(date(2019, 2, 1), date(2019, 4, 1), "ids")
    assert settle_year(partial, [listing], SEEN) is None
    assert settle_year(partial, [listing, ids], SEEN) == (date(2019, 3, 8), "ids")


def test_first_seen_only_where_nothing_bounds_the_date_from_below() -> None:
    recent = DayMonth(10, 28, weekday=1)  # 28 October 2025 was a Tuesday
    seen = date(2026, 1, 30)
    assert settle_year(recent, [], seen) == (date(2025, 10, 28), "first-seen")
    assert settle_year(recent, [Bounds(None, date(2014, 11, 1), "listing")], seen) is None  # a newer post is older
    assert settle_year(recent, [Bounds(date(2010, 1, 1), None, "listing")], seen) is None  # evidence, not settled
    assert settle_year(DayMonth(4, 28), [], date(2026, 12, 1)) is None  # more than half a year back


def _yearless(url: str, text: str, partial: DayMonth, seen: datetime) -> object:
    return article(url, body=f"Sleman ({text}) - rapat.", fetched_at=seen, published_at=None,
                   published_precision="day-month", published_source="body", published_text=text,
                   published_partial=partial.to_json())  # fmt: skip


def _dated(url: str, day: date, seen: datetime) -> object:
    when = datetime.combine(day, time(), UTC)
    return article(url, body=f"rapat {day}", fetched_at=seen, published_at=when, published_precision="day",
                   published_source="body", published_year_source="stated")  # fmt: skip


def test_a_crawl_settles_years_once_the_neighbours_are_in(db_url: str) -> None:
    engine: Engine = open_engine(db_url)
    seen = datetime(2026, 12, 1, tzinfo=UTC)
    urls = [f"https://{HOST}/blog/read/rapat-{n}" for n in range(5)]  # newest first
    refs = tuple(r for u in urls if (r := article_ref(u)) is not None)
    session = ingest(
        engine,
        _yearless(urls[1], "13/09", DayMonth(9, 13), seen),  # fetched before its neighbours
        _yearless(urls[3], "02/02", DayMonth(2, 2), seen),  # its neighbours are years apart
        ListingOrder(HOST, "104", refs[:3]),
        ListingOrder(HOST, "104", refs[2:]),  # the next page, led by the last post of the one before
        _dated(urls[0], date(2018, 10, 2), seen),
        _dated(urls[2], date(2018, 8, 30), seen),
        _dated(urls[4], date(2015, 1, 5), seen),
    )
    session.close()
    with engine.connect() as conn:
        rows = {
            r.native_id: r
            for r in conn.execute(
                select(
                    Article.native_id, Article.published_at, Article.published_precision, Article.published_year_source
                )
            )  # fmt: skip
        }
    settled = rows["rapat-1"]
    assert settled.published_at is not None
    assert settled.published_at.astimezone(UTC).date() == date(2018, 9, 12)  # midnight WIB is 17:00 UTC the day before
    assert (settled.published_precision, settled.published_year_source) == ("day", "listing")
    open_ = rows["rapat-3"]  # 2/2 of 2016, 2017 or 2018: not guessed
    assert (open_.published_at, open_.published_precision, open_.published_year_source) == (None, "day-month", None)
    engine.dispose()


@pytest.mark.parametrize("numeric_ids", [False, True], ids=["listing-only", "listing-and-ids"])
def test_ten_years_of_posts_get_their_days_right_and_none_invented(tmp_path, numeric_ids: bool) -> None:  # type: ignore[no-untyped-def]
    world, truth = decade_world(seed=1, numeric_ids=numeric_ids, per_month=4 if not numeric_ids else 2)
    assert (max(d for d, _ in truth.values()) - min(d for d, _ in truth.values())) > timedelta(days=10 * 365)
    db = tmp_path / "archive.db"
    with world.serve() as base_urls:
        registry = write_registry(tmp_path / "sites.csv", world, base_urls)
        crawled = kpu_archive("crawl", "--all", "--registry", str(registry), "--db", str(db))
        assert crawled.returncode == 0, crawled.stderr
    exported = kpu_archive("export", "--db", str(db), "--format", "jsonl")
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(rows) == len(truth)
    counts = score(rows, truth)
    assert counts["yearless"] > 0.15 * len(truth)
    assert counts["wrong"] == 0 and counts["stated_wrong"] == 0, counts
    assert counts["right"] >= 0.97 * counts["yearless"], counts
    sources = {r["published_year_source"] for r in rows if truth[r["native_id"]][1] != "stated"}
    assert "listing" in sources
