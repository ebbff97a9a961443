"""Publication dates: machine-readable metadata first, else the date written near the body's start.

KPU pages print local time (WIB +07, WITA +08, WIT +09) and usually state the date only in the
text, in the forms listed in reference §6: ``Kamis (4/12)``, ``Rabu (29/3/2023)``,
``(Rabu, 27 November 2024)``, ``Wamena, 22 Januari 2026 —``, ``Selasa, 13 September 2022 pukul
10.00 WIB`` and so on.  A date without a year keeps what it states (``DayMonth``); alone, a page
settles its year only when it falls within half a year before the post was first seen
(``archive.domain.dates``), and the archive settles the rest from the post's listing neighbours
and ids.  No match, no date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from archive.domain.dates import DAY_MONTH, DayMonth, settle_year
from archive.vocab import ZONE_ABBREVIATIONS

from ..base import FoundDate

WEEKDAYS = {
    "senin": 0,
    "selasa": 1,
    "rabu": 2,
    "kamis": 3,
    "jumat": 4,
    "jum'at": 4,
    "jum’at": 4,
    "sabtu": 5,
    "minggu": 6,
    "ahad": 6,
}
MONTHS = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "pebruari": 2,
    "feb": 2,
    "maret": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nopember": 11,
    "nov": 11,
    "desember": 12,
    "des": 12,
}
BODY_WINDOW = 300  # the lede reaches at least this far: the editor date line, dateline or lede (reference §8.4)
LEDE_MAX = 1000  # ...and never past this: the first paragraph whole, however long, up to here

_WD = r"(?P<wd>senin|selasa|rabu|kamis|jum['’]?at|sabtu|minggu|ahad)"
_PART_OF_DAY = r"(?:\s+(?:pagi|siang|sore|malam))?"
_MON = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_RANGE = r"(?:\s*(?:-|–|—|s/d|s\.d\.?|hingga|sampai)\s*\d{1,2})?"
_NUMERIC_PAREN = re.compile(
    r"(?:\b" + _WD + _PART_OF_DAY + r"\s*,?\s*)?\(\s*(?P<d>\d{1,2})\s*[/-]\s*(?P<m>\d{1,2})"
    r"(?:\s*[/-]\s*(?P<y>\d{2,5}))?\s*\)",
    re.IGNORECASE,
)
_NUMERIC_BARE = re.compile(
    r"\b" + _WD + _PART_OF_DAY + r"\s*,?\s*(?P<d>\d{1,2})/(?P<m>\d{1,2})(?:/(?P<y>\d{2,5}))?(?![\d/])",
    re.IGNORECASE,
)
_LONG = re.compile(
    r"(?:\b"
    + _WD
    + _PART_OF_DAY
    + r"\s*,?\s*(?:tanggal\s+|tgl\.?\s+)?)?\b(?P<d>\d{1,2})"
    + _RANGE
    + r"\s+"
    + _MON
    + r"\b\.?(?:,?\s+(?P<y>\d{2,5})(?!\d))?",
    re.IGNORECASE,
)
_NUMERIC_FULL = re.compile(  # 14/02/2010, 14-02-2010: a full year, so no fraction is read as a date
    r"(?<![\d/.-])(?P<d>\d{1,2})\s*([/-])\s*(?P<m>\d{1,2})\s*\2\s*(?P<y>\d{4})(?![\d/.-])",
)
_TIME_BARE = re.compile(  # "02 Nov 2023 20:59 WIB", "20.59 WIB": no "pukul", so a colon or a zone says it is a time
    r"\s*,?\s+(?P<h>\d{1,2})(?::(?P<mi>\d{2})(?::\d{2})?\s*(?P<zone>wita|wib|wit)?|\.(?P<mi2>\d{2})\s*(?P<zone2>wita|wib|wit))\b",
    re.IGNORECASE,
)
_TIME_AFTER = re.compile(
    r"\s*,?\s*(?:pada\s+)?(?:pukul|jam|pkl\.?)\s*(?P<h>\d{1,2})[.:](?P<mi>\d{2})"
    r"(?:\s*(?:-|–|s/d|s\.d\.?|sampai|hingga)\s*\d{1,2}[.:]\d{2})?\s*(?P<zone>wita|wib|wit)?\b",
    re.IGNORECASE,
)


def parse_metadata_date(value: str, tz_name: str) -> FoundDate | None:
    """ISO 8601 from ``article:published_time``, ``time[datetime]`` or JSON-LD; naive means local."""
    raw = value.strip()
    if not raw:
        return None
    text = raw.replace("Z", "+00:00") if raw.endswith("Z") else raw
    tz = ZoneInfo(tz_name)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            return FoundDate(datetime.combine(day, time(), tz), "day", raw, "stated")
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    precision = "second" if parsed.second or parsed.microsecond else "minute"
    return FoundDate(parsed.astimezone(tz), precision, raw, "stated")


def lede(text: str, window: int = BODY_WINDOW) -> str:
    """Where a post states its own date: the first paragraph whole (up to ``LEDE_MAX``), and the
    paragraphs after it until ``window`` characters are covered."""
    paragraphs = text.split("\n\n")
    head = paragraphs[0][:LEDE_MAX]
    for paragraph in paragraphs[1:]:
        if len(head) >= window:
            break
        head += "\n\n" + paragraph
    return head[: max(window, min(len(paragraphs[0]), LEDE_MAX))]


def parse_body_date(text: str, tz_name: str, first_seen: datetime, window: int = BODY_WINDOW) -> FoundDate | None:
    """The first valid date expression in the lede of ``text``."""
    head = lede(text, window)
    seen_local = first_seen.astimezone(ZoneInfo(tz_name))
    candidates: list[re.Match[str]] = []
    for pattern in (_NUMERIC_PAREN, _NUMERIC_BARE, _NUMERIC_FULL, _LONG):
        candidates.extend(pattern.finditer(head))
    candidates.sort(key=lambda m: (m.start("d"), -len(m.group(0))))
    for match in candidates:
        found = _resolve(match, text, tz_name, seen_local)
        if found:
            return found
    return None


def _resolve(match: re.Match[str], text: str, tz_name: str, seen_local: datetime) -> FoundDate | None:
    groups = match.groupdict()
    day = int(groups["d"])
    month = MONTHS[groups["mon"].lower()] if groups.get("mon") else int(groups["m"])
    weekday = WEEKDAYS.get(_fold_weekday(groups["wd"])) if groups.get("wd") else None
    year_text = groups.get("y")
    day_value: date | None = None
    if year_text:
        if len(year_text) == 2:
            year = 2000 + int(year_text)
        elif len(year_text) == 4:
            year = int(year_text)
        else:
            return None  # "24 Mei 20201": a broken year is not repaired by guessing
        try:
            day_value = date(year, month, day)
        except ValueError:
            return None  # "31 November": impossible
        if day_value > seen_local.date() + timedelta(days=1):
            return None  # a date after the post was first seen is an event, not its publication
    else:
        try:
            date(2000, month, day)  # a leap year: any day and month that can exist
        except ValueError:
            return None
    zone_name, clock, expression = tz_name, None, match.group(0)
    tail = _TIME_AFTER.match(text, match.end()) or _TIME_BARE.match(text, match.end())
    if tail:
        found = tail.groupdict()
        hour, minute = int(found["h"]), int(found["mi"] or found.get("mi2") or 0)
        zone = found["zone"] or found.get("zone2")
        if hour < 24 and minute < 60:
            clock = time(hour, minute)
            if zone:
                zone_name = ZONE_ABBREVIATIONS[zone.lower()]
            expression = text[match.start() : tail.end()]
    partial = DayMonth(month, day, weekday, clock, zone_name)
    if day_value is not None:
        value = partial.at(day_value).astimezone(ZoneInfo(tz_name))
        return FoundDate(value, partial.precision, expression.strip(), "stated")
    settled = settle_year(partial, (), seen_local.date())  # alone, a page has only its first-seen time
    if settled is None:
        return FoundDate(None, DAY_MONTH, expression.strip(), None, partial)
    value = partial.at(settled[0]).astimezone(ZoneInfo(tz_name))
    return FoundDate(value, partial.precision, expression.strip(), settled[1], partial)


def _fold_weekday(word: str) -> str:
    return word.lower().replace("’", "'")
