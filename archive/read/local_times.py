"""UTC timestamps as the database gives them, shown in each row's own zone as ISO 8601.

Indonesia's three zones have kept one offset since 1970, so a column of them is converted by a
few Arrow kernels; any other zone, or a time before 1970, goes the Python way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from archive.vocab import UTC_OFFSET_HOURS


def as_utc(value: Any) -> datetime | None:
    """An aware UTC datetime from what the driver gave (SQLite's text is UTC without an offset)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


# zones whose offset from UTC has not changed since 1970 (tzdata): Indonesia's three, and UTC
_FIXED_SINCE_1970 = {**UTC_OFFSET_HOURS, "UTC": 0}
_HOUR_US = 3_600_000_000
_OFFSET_TEXT = {h: f"+{h:02d}:00" for h in _FIXED_SINCE_1970.values()}


def fixed_offsets(zone_names: Sequence[str]) -> tuple[Any, Any] | None:
    """Each row's offset from UTC, in microseconds and as ISO text (Arrow arrays), where every zone
    has kept one offset since 1970; else None.  Once a batch, for all its timestamp columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    hours = [_FIXED_SINCE_1970.get(name) for name in zone_names]
    if None in hours:
        return None
    text = [_OFFSET_TEXT[h] for h in hours]  # type: ignore[index]
    return pc.multiply(pa.array(hours, pa.int64()), _HOUR_US), pa.array(text, pa.string())


def local_iso(
    values: Sequence[Any], zones: Sequence[ZoneInfo], fixed: tuple[Any, Any] | None = None
) -> list[str | None]:
    """Each UTC value in its row's zone as ISO 8601 (what ``astimezone(zone).isoformat()`` gives);
    ``fixed`` is ``fixed_offsets`` of the zones, where the caller has it already."""
    fast = _by_offset(values, fixed if fixed is not None else fixed_offsets([z.key for z in zones]))
    if fast is not None:
        return fast
    return [as_utc(v).astimezone(z).isoformat() if v is not None else None  # type: ignore[union-attr]
            for v, z in zip(values, zones, strict=True)]  # fmt: skip


def _by_offset(values: Sequence[Any], fixed: tuple[Any, Any] | None) -> list[str | None] | None:
    """``local_iso`` as a few Arrow kernels over the column (~0.8 µs a value, against ~4.7 µs in Python),
    where the zones' offsets are fixed and every value is from 1970 on; else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if fixed is None or not values:
        return None
    first = next((v for v in values if v is not None), None)
    if first is None:
        return [None] * len(values)
    try:  # SQLite's text is naive UTC; a driver's datetimes are aware
        moments = pa.array(values, pa.string() if isinstance(first, str) else pa.timestamp("us", tz="UTC"))
        micros = moments.cast(pa.timestamp("us")).cast(pa.int64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None  # text with an offset, or something else: the Python way
    if pc.min(micros).as_py() < 0:
        return None
    offset_us, offset_text = fixed
    local = pc.add(micros, offset_us)
    seconds = pc.divide(local, 1_000_000)
    fraction = pc.subtract(local, pc.multiply(seconds, 1_000_000))
    # "YYYY-MM-DD HH:MM:SS" by Arrow's cast (its strftime costs ~1.3 µs a value), then the "T"
    text = pc.utf8_replace_slice(seconds.cast(pa.timestamp("s")).cast(pa.string()), 10, 11, "T")
    digits = pc.binary_join_element_wise(".", pc.utf8_lpad(fraction.cast(pa.string()), 6, "0"), "")
    fractions = pc.if_else(pc.equal(fraction, 0), "", digits)
    return pc.binary_join_element_wise(text, fractions, offset_text, "").to_pylist()
