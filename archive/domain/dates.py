"""Dates written without a year ("Kamis (4/12)", "Sleman (13/09) -"), and how their year is settled.

A year is only taken where evidence leaves exactly one candidate.  The weekday, when written,
always narrows the candidates; the range they must fall in comes, in this order, from the post's
dated neighbours in its listing, from the dated posts around its numeric id (ids grow with time),
and, where neither gives a lower bound, from the moment the post was first seen: a date within
``FIRST_SEEN_WINDOW`` before it.  Nothing is guessed past that: an unsettled date keeps its day
and month (precision ``day-month``) and no timestamp.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

FIRST_SEEN_WINDOW = timedelta(days=183)  # a new post is seen within half a year; the next candidate is a year older
YEARS_BACK = 30  # how far back a candidate year may lie
DAY_MONTH = "day-month"  # the precision of a date whose year is not settled


@dataclass(frozen=True, slots=True)
class DayMonth:
    """What a year-less date expression states: day, month, maybe a weekday and a time of day."""

    month: int
    day: int
    weekday: int | None = None  # Monday = 0, as ``date.weekday()``
    clock: time | None = None
    zone: str = "Asia/Jakarta"  # the IANA zone the time is in (the site's, or the one the text names)

    def candidates(self, low: date, high: date) -> list[date]:
        """Every date in [low, high] with this day, month and (if stated) weekday."""
        found = []
        for year in range(high.year, max(low.year, high.year - YEARS_BACK) - 1, -1):
            try:
                day = date(year, self.month, self.day)
            except ValueError:
                continue  # 29/2 outside a leap year
            if low <= day <= high and (self.weekday is None or day.weekday() == self.weekday):
                found.append(day)
        return found

    def at(self, day: date) -> datetime:
        """The moment on ``day``: its time of day where stated, else midnight, in its zone."""
        return datetime.combine(day, self.clock or time(), ZoneInfo(self.zone))

    @property
    def precision(self) -> str:
        """The precision once the year is settled."""
        return "minute" if self.clock else "day"

    def to_json(self) -> dict[str, Any]:
        clock = self.clock.strftime("%H:%M") if self.clock else None
        return {"month": self.month, "day": self.day, "weekday": self.weekday, "time": clock, "zone": self.zone}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> DayMonth:
        clock = time.fromisoformat(value["time"]) if value.get("time") else None
        zone = value.get("zone") or "Asia/Jakarta"
        return cls(int(value["month"]), int(value["day"]), value.get("weekday"), clock, zone)


@dataclass(frozen=True, slots=True)
class Bounds:
    """A range a post's date lies in, and the evidence it comes from (``listing``, ``ids``)."""

    low: date | None
    high: date | None
    source: str

    def within(self, other: Bounds) -> Bounds:
        """Both ranges at once."""
        lows = [d for d in (self.low, other.low) if d]
        highs = [d for d in (self.high, other.high) if d]
        return Bounds(max(lows) if lows else None, min(highs) if highs else None, f"{self.source}+{other.source}")


def settle_year(partial: DayMonth, evidence: Sequence[Bounds], first_seen: date) -> tuple[date, str] | None:
    """The one date the evidence allows, and the evidence that settled it; None when it does not.

    ``evidence`` is tried in order, then each range within the next; a range needs a lower bound to
    settle anything, and its upper bound is never past ``first_seen``.  Only where no evidence has
    a lower bound does the half year before ``first_seen`` stand in for one."""
    tries = list(evidence)
    for i in range(1, len(evidence)):
        tries.append(evidence[i - 1].within(evidence[i]))
    for bounds in tries:
        if bounds.low is None:
            continue
        high = min(bounds.high or first_seen, first_seen)
        found = partial.candidates(bounds.low, high)
        if len(found) == 1:
            return found[0], bounds.source
    if any(b.low is not None for b in evidence):
        return None  # the evidence leaves several years (or none): no guess from first-seen over it
    high = min([first_seen] + [b.high for b in evidence if b.high])  # a newer neighbour still bounds it
    found = partial.candidates(first_seen - FIRST_SEEN_WINDOW, high)
    return (found[0], "first-seen") if len(found) == 1 else None
