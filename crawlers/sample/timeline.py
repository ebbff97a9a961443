"""A sample site with more than ten years of posts, a share of them dated without a year: the world
the year-less date rules are measured on (``tests/test_yearless_dates.py``,
``benchmarks/yearless_dates.py``).

The forms are the real ones of reference §6: a stated year (``Selasa (28/10/2025)``, ``(Rabu, 27
November 2024)``, ``14/02/2010``), a weekday without a year (``Kamis (4/12)``) and the short
dateline without even a weekday (``Sleman (13/09) -``).  Year-less posts come in runs, as an
editor's habit does, so some have no dated neighbour next to them.  Ids grow with time, and the
site has two categories, so listing neighbours and ids are different evidence.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from .pages import SampleArticle, SampleSite
from .server import SampleWorld

WEEKDAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTH_NAMES = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
               "Oktober", "November", "Desember")  # fmt: skip
SITE = SampleSite("kab-sleman.kpu.go.id", "KPU Kabupaten Sleman", {"104": "Berita Terkini", "11": "Pengumuman"})


def _dateline(rng: random.Random, day: date, yearless: bool) -> tuple[str, str]:
    """The opening sentence, and the form its date is written in."""
    weekday = WEEKDAY_NAMES[day.weekday()]
    if yearless and rng.random() < 0.5:
        return (
            f"Sleman - KPU Kabupaten Sleman menggelar rapat koordinasi, {weekday} ({day.day}/{day.month}).",
            "weekday",
        )
    if yearless:
        return f"Sleman ({day.day:02d}/{day.month:02d}) - KPU Kabupaten Sleman menggelar rapat koordinasi.", "dateline"
    form = rng.randrange(3)
    if form == 0:
        return f"Sleman - KPU Kabupaten Sleman menggelar rapat, {weekday} ({day.day}/{day.month}/{day.year}).", "stated"
    if form == 1:
        return f"({weekday}, {day.day} {MONTH_NAMES[day.month - 1]} {day.year})", "stated"
    return f"Sleman, {day.day:02d}/{day.month:02d}/{day.year} - KPU Kabupaten Sleman menggelar rapat.", "stated"


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def decade_world(
    seed: int = 1,
    first: date = date(2014, 1, 1),
    last: date = date(2026, 11, 20),
    per_month: int = 4,
    per_page: int = 10,
    numeric_ids: bool = True,
) -> tuple[SampleWorld, dict[str, tuple[date, str]]]:
    """The world, and each post's true date and date form by native key.  Without ``numeric_ids``
    the URLs are slug-only (``/blog/read/{slug}``, as before 2025), so only the listings date a post.

    A crawl first-sees the posts today, so the whole world moves forward by whole weeks until its
    newest post is at most 18 days old: the same posts, gaps and weekdays on any day it is run."""
    rng = random.Random(seed)
    days: list[date] = []
    month = first
    while month <= last:
        span = (min(last, _next_month(month) - timedelta(days=1)) - month).days
        days += [month + timedelta(days=rng.randint(0, span)) for _ in range(per_month)]
        month = _next_month(month)
    shift = timedelta(weeks=max(0, (date.today() - timedelta(days=12) - last).days // 7))
    days = [day + shift for day in days]
    days.sort()
    posts: list[SampleArticle] = []
    truth: dict[str, tuple[date, str]] = {}
    number, yearless = 1000, False
    for i, day in enumerate(days):
        number += rng.randint(1, 6)
        yearless = rng.random() < (0.55 if yearless else 0.15)  # runs of year-less posts: about 25% in all
        opening, form = _dateline(rng, day, yearless)
        slug = f"rapat-koordinasi-ke-{i + 1}"
        truth[str(number) if numeric_ids else slug] = (day, form)
        category = "11" if rng.random() < 0.25 else "104"
        closing = f"Rapat ke-{i + 1} membahas pemutakhiran data pemilih berkelanjutan. (Humas KPU Sleman)"
        posts.append(
            SampleArticle(
                host=SITE.host, id=str(number) if numeric_ids else None, slug=slug, category=category,
                title=f"Rapat Koordinasi ke-{i + 1} KPU Sleman", blocks=[opening, closing],
                views=rng.randint(10, 5000), extra={"synthetic": True},
            )
        )  # fmt: skip
    posts.reverse()  # newest first, as the listings show them
    return SampleWorld(sites=[SITE], articles=posts, per_page=per_page), truth


def score(rows: list[dict[str, str | None]], truth: dict[str, tuple[date, str]]) -> dict[str, int]:
    """Count year-less posts dated right, left undated (``day-month``) and dated wrong, from export
    rows (``native_id``, ``published_at`` in the site's zone, ``published_precision``)."""
    counts = {"yearless": 0, "right": 0, "undated": 0, "wrong": 0, "stated_wrong": 0}
    for row in rows:
        day, form = truth[str(row["native_id"])]
        published = row.get("published_at")
        if form == "stated":
            counts["stated_wrong"] += published is None or published[:10] != day.isoformat()
            continue
        counts["yearless"] += 1
        if not published:
            counts["undated" if row.get("published_precision") == "day-month" else "wrong"] += 1
        else:
            counts["right" if published[:10] == day.isoformat() else "wrong"] += 1
    return counts
