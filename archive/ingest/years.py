"""Settling the year of year-less dates from what the archive holds: listing neighbours and ids.

A post is usually fetched before its neighbours are, so this runs when a crawl ends, for the sites
it touched (and after ``reextract``), and settles every year-less date of those sites again.  Only
stated dates are evidence: a settled date never settles another, so the result does not depend on
the order posts came in.  The rules are ``archive.domain.dates.settle_year``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from archive.domain.dates import DAY_MONTH, Bounds, DayMonth, settle_year
from archive.storage.db import write_transaction
from archive.storage.models import Article, ListingNeighbour, SiteRow

NEIGHBOURS = 2  # dated neighbours looked at on each side: the nearest bound a post, the next ones check them
MAX_STEPS = 300  # how far along a listing a dated neighbour is looked for


@dataclass
class _Chain:
    """One category's listing order: each post's next older and next newer neighbour."""

    older: dict[str, str] = field(default_factory=dict)
    newer: dict[str, str] = field(default_factory=dict)


def settle_years(engine: Engine, site_ids: Iterable[int]) -> int:
    """Settle again the year-less dates of these sites; how many articles changed."""
    changed = 0
    for site_id in sorted(set(site_ids)):
        with write_transaction(engine) as session:
            changed += _settle_site(session, site_id)
    return changed


def _settle_site(session: Session, site_id: int) -> int:
    has_partial = select(Article.id).where(Article.site_id == site_id, Article.published_partial.is_not(None))
    if session.scalar(has_partial.limit(1)) is None:
        return 0  # most sites: no year-less date, so their articles are not read at all
    columns = (Article.id, Article.native_id, Article.published_at, Article.published_precision,
               Article.published_year_source, Article.published_partial, Article.first_seen_at)  # fmt: skip
    rows = session.execute(select(*columns).where(Article.site_id == site_id)).all()
    undated = [r for r in rows if r.published_partial]
    zone = ZoneInfo(session.scalar(select(SiteRow.timezone).where(SiteRow.id == site_id)) or "Asia/Jakarta")
    stated = {
        r.native_id: r.published_at.astimezone(zone).date()
        for r in rows
        if r.published_at is not None and not r.published_partial
    }
    chains = _chains(session, site_id)
    by_id = sorted((int(key), day) for key, day in stated.items() if key.isdigit())
    updates: list[dict[str, Any]] = []
    for row in undated:
        partial = DayMonth.from_json(row.published_partial)
        evidence = [b for b in (_listing_bounds(row.native_id, chains, stated), _id_bounds(row.native_id, by_id)) if b]
        settled = settle_year(partial, evidence, row.first_seen_at.astimezone(zone).date())
        if settled:
            value, precision, source = partial.at(settled[0]), partial.precision, settled[1]
        else:
            value, precision, source = None, DAY_MONTH, None
        if (value, precision, source) != (row.published_at, row.published_precision, row.published_year_source):
            updates.append(
                {"id": row.id, "published_at": value, "published_precision": precision,
                 "published_year_source": source}
            )  # fmt: skip
    if updates:
        session.execute(update(Article), updates)
    return len(updates)


def _chains(session: Session, site_id: int) -> list[_Chain]:
    chains: dict[str, _Chain] = {}
    query = select(ListingNeighbour.category_id, ListingNeighbour.newer, ListingNeighbour.older).where(
        ListingNeighbour.site_id == site_id
    )
    for category_id, newer, older in session.execute(query):
        chain = chains.setdefault(category_id, _Chain())
        chain.older[newer] = older
        chain.newer[older] = newer
    return list(chains.values())


def _walk(start: str, step: dict[str, str], stated: dict[str, date]) -> list[date]:
    """The dates of the nearest ``NEIGHBOURS`` dated posts from ``start`` along one direction."""
    found: list[date] = []
    key, seen = start, {start}
    for _ in range(MAX_STEPS):
        next_key = step.get(key)
        if next_key is None or next_key in seen:
            break
        key = next_key
        seen.add(key)
        if key in stated:
            found.append(stated[key])
            if len(found) == NEIGHBOURS:
                break
    return found


def _listing_bounds(key: str, chains: list[_Chain], stated: dict[str, date]) -> Bounds | None:
    """Older neighbours bound the date from below, newer ones from above, in every listing it is in."""
    lows: list[date] = []
    highs: list[date] = []
    for chain in chains:
        if key in chain.older or key in chain.newer:
            low, high = _around(_walk(key, chain.older, stated), _walk(key, chain.newer, stated))
            lows += [low] if low else []
            highs += [high] if high else []
    if not lows and not highs:
        return None
    return Bounds(min(lows) if lows else None, max(highs) if highs else None, "listing")


def _around(older: list[date], newer: list[date]) -> tuple[date | None, date | None]:
    """The nearest dated neighbours, where the listing around them is in date order; else the
    loosest of them, so a pinned or back-dated post does not shut the true year out."""
    in_order = sorted(older, reverse=True) == older and sorted(newer) == newer
    if in_order and older and newer and older[0] > newer[0]:
        in_order = False
    if in_order:
        return (older[0] if older else None), (newer[0] if newer else None)
    return (min(older) if older else None), (max(newer) if newer else None)


def _id_bounds(key: str, by_id: list[tuple[int, date]]) -> Bounds | None:
    """Ids grow with time: dated posts with lower ids bound the date from below, higher ones from above."""
    if not key.isdigit() or not by_id:
        return None
    at = bisect_left(by_id, (int(key), date.min))
    lower = [day for _, day in by_id[max(0, at - NEIGHBOURS) : at]]
    upper = [day for number, day in by_id[at : at + NEIGHBOURS + 1] if number != int(key)][:NEIGHBOURS]
    if not lower and not upper:
        return None
    return Bounds(min(lower) if lower else None, max(upper) if upper else None, "ids")
