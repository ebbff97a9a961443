"""Every date form of reference §6, including its data errors."""

from datetime import UTC, datetime

import pytest

from crawlers.platforms.regional_cms.dates import parse_body_date, parse_metadata_date

SEEN = datetime(2026, 1, 30, 5, 0, tzinfo=UTC)  # first seen: 30 Jan 2026, 12:00 WIB


@pytest.mark.parametrize(
    ("text", "tz", "expected", "precision"),
    [
        # Hari (d/m/yyyy)
        ("digelar Rabu (29/3/2023) di Jepara", "Asia/Jakarta", "2023-03-29T00:00:00+07:00", "day"),
        ("Rabu (09/10/2024)", "Asia/Jakarta", "2024-10-09T00:00:00+07:00", "day"),
        ("Jum'at (11/7/2025)", "Asia/Jakarta", "2025-07-11T00:00:00+07:00", "day"),
        ("Ahad (17/8/2025)", "Asia/Jakarta", "2025-08-17T00:00:00+07:00", "day"),
        ("Rabu  (08/05/2019)", "Asia/Jakarta", "2019-05-08T00:00:00+07:00", "day"),
        # comma and odd spacing variants, lower case
        ("Minggu, (11/10/2020)", "Asia/Jakarta", "2020-10-11T00:00:00+07:00", "day"),
        ("Rabu(8/10/2025)", "Asia/Makassar", "2025-10-08T00:00:00+08:00", "day"),
        ("kamis (29/1/2026)", "Asia/Makassar", "2026-01-29T00:00:00+08:00", "day"),
        # in parentheses without a day
        ("Polewali (7/10/2022) - KPU", "Asia/Makassar", "2022-10-07T00:00:00+08:00", "day"),
        ("Wamena (01-10-2025) KPU", "Asia/Jayapura", "2025-10-01T00:00:00+09:00", "day"),
        # long forms
        ("(Rabu, 27 November 2024)\n\nAnggota KPU", "Asia/Jakarta", "2024-11-27T00:00:00+07:00", "day"),
        ("Jumat, 5 Desember 2025", "Asia/Makassar", "2025-12-05T00:00:00+08:00", "day"),
        ("Selasa, 13 September 2022 pukul 10.00 WIB", "Asia/Jakarta", "2022-09-13T10:00:00+07:00", "minute"),
        ("Sabtu, 14 Januari 2023 Pukul 13.47 WIB", "Asia/Jakarta", "2023-01-14T13:47:00+07:00", "minute"),
        ("Senin 15 Januari 2021", "Asia/Jakarta", "2021-01-15T00:00:00+07:00", "day"),
        ("Minggu 22 mei 2016", "Asia/Jakarta", "2016-05-22T00:00:00+07:00", "day"),
        ("Jumat malam, 3 Oktober 2025", "Asia/Makassar", "2025-10-03T00:00:00+08:00", "day"),
        ("Minggu tanggal 17 November 2024", "Asia/Jakarta", "2024-11-17T00:00:00+07:00", "day"),
        # datelines
        ("Wamena, 22 Januari 2026 — KPU Jayawijaya", "Asia/Jayapura", "2026-01-22T00:00:00+09:00", "day"),
        ("Pekanbaru, 20 Desember 2025 KPU Riau", "Asia/Jakarta", "2025-12-20T00:00:00+07:00", "day"),
        ("Jayawijaya, 13–14 Juli 2024 – rapat", "Asia/Jayapura", "2024-07-13T00:00:00+09:00", "day"),
        # numeric without parentheses
        ("Selasa 15/07/2025. Rapat", "Asia/Makassar", "2025-07-15T00:00:00+08:00", "day"),
        # ranges, and a time in another zone than the site's
        ("(15-17 Februari 2021)", "Asia/Jakarta", "2021-02-15T00:00:00+07:00", "day"),
        ("3 - 4 Oktober 2025", "Asia/Jayapura", "2025-10-03T00:00:00+09:00", "day"),
        ("Kamis, 4 Juli 2025 pukul 10.00 WITA", "Asia/Jakarta", "2025-07-04T09:00:00+07:00", "minute"),
        # data errors: a typo'd weekday, an impossible date, a five-digit year
        ("31 November - 1 Desember 2021", "Asia/Jakarta", "2021-12-01T00:00:00+07:00", "day"),
        # a long lede states its date late in its first paragraph (real KPU ledes: characters 297-515)
        ("Lorem " * 85 + "Selasa (28/10/2025)", "Asia/Jakarta", "2025-10-28T00:00:00+07:00", "day"),
        ("Kamis, 02 Nov 2023 20:59 WIB - KPU", "Asia/Jakarta", "2023-11-02T20:59:00+07:00", "minute"),  # no "pukul"
        ("Denpasar, 14/02/2010 - KPU Bali", "Asia/Makassar", "2010-02-14T00:00:00+08:00", "day"),  # no weekday
        ("Sabtu, 5-10-2024 19.30 WITA di Mataram", "Asia/Makassar", "2024-10-05T19:30:00+08:00", "minute"),
    ],
)
def test_body_date_forms(text: str, tz: str, expected: str, precision: str) -> None:
    found = parse_body_date(text, tz, SEEN)
    assert found is not None and found.value is not None, text
    assert found.value.isoformat() == expected
    assert found.precision == precision
    assert found.value.utcoffset() is not None


@pytest.mark.parametrize(
    "text",
    [
        "Rapat pleno digelar 24 Mei 20201 di Medan",  # broken year: no guess
        "KPU mengajak masyarakat untuk mengecek DPT secara mandiri.",  # no date at all
        "Pendaftaran dibuka hingga 20 Desember 2026.",  # after first seen: an event, not publication
        "Lorem " * 80 + "\n\nLorem ipsum.\n\nSelasa (28/10/2025)",  # past the lede: not the post's own date
        "Lorem " * 170 + "Selasa (28/10/2025)",  # past the longest lede
    ],
)
def test_no_date_is_invented(text: str) -> None:
    assert parse_body_date(text, "Asia/Jakarta", SEEN) is None


# A year-less date alone (no listing around it): its year is taken only within half a year before
# first seen (30 Jan 2026); an older one keeps its day and month, with no timestamp.
@pytest.mark.parametrize(
    ("text", "tz", "expected", "month_day", "weekday"),
    [
        ("Kupang - KPU NTT menggelar rapat, Kamis (4/12).", "Asia/Makassar", "2025-12-04T00:00:00+08:00", (12, 4), 3),
        ("Pacitan — upacara Sumpah Pemuda, Selasa (28/10). Kegiatan ini", "Asia/Jakarta",
         "2025-10-28T00:00:00+07:00", (10, 28), 1),
        ("Kegiatan berlangsung Kamis (21/8) di aula.", "Asia/Jakarta", "2025-08-21T00:00:00+07:00", (8, 21), 3),
        ("Senin (29/9) pukul 14.00 WIB bertempat", "Asia/Jakarta", "2025-09-29T14:00:00+07:00", (9, 29), 0),
        ("pada hari Jumat, 12 Desember kemarin", "Asia/Makassar", "2025-12-12T00:00:00+08:00", (12, 12), 4),
        ("Sleman (13/09) - KPU Sleman", "Asia/Jakarta", "2025-09-13T00:00:00+07:00", (9, 13), None),
        # the weekday names a year long before first seen: nothing settles it here
        ("Kegiatan berlangsung Kamis (16/06) di aula.", "Asia/Jakarta", None, (6, 16), 3),
        ("Riau, Ahad (20/10) pagi.", "Asia/Jakarta", None, (10, 20), 6),
        ("Sabtu pagi (17/8) di halaman kantor", "Asia/Jakarta", None, (8, 17), 5),
        ("Kamis, (17/10) bertempat", "Asia/Makassar", None, (10, 17), 3),
        ("Selasa 19/12 di Padang", "Asia/Jakarta", None, (12, 19), 1),
        ("Rabu (6/2) di Mataram", "Asia/Makassar", None, (2, 6), 2),
        # more than half a year before first seen, or a weekday typo'd past reading
        ("jumat(2/5) kemarin", "Asia/Makassar", None, (5, 2), 4),
        ("Selesa (5/3) kemarin", "Asia/Jakarta", None, (3, 5), None),
    ],
)  # fmt: skip
def test_year_less_dates_alone(
    text: str, tz: str, expected: str | None, month_day: tuple[int, int], weekday: int | None
) -> None:
    found = parse_body_date(text, tz, SEEN)
    assert found is not None and found.partial is not None, text
    assert (found.partial.month, found.partial.day, found.partial.weekday) == (*month_day, weekday)
    if expected is None:
        assert found.value is None
        assert (found.precision, found.year_source) == ("day-month", None)
    else:
        assert found.value is not None and found.value.isoformat() == expected
        assert found.year_source == "first-seen"


def test_year_inference_never_passes_first_seen() -> None:
    # 29 January 2026 was a Thursday; seen on 28 January, an earlier Thursday 29/1 is years back
    seen = datetime(2026, 1, 28, tzinfo=UTC)
    found = parse_body_date("Kamis (29/1)", "Asia/Jakarta", seen)
    assert found is not None and found.value is None and found.precision == "day-month"


def test_stated_years_say_so() -> None:
    found = parse_body_date("Rabu (29/3/2023) di Jepara", "Asia/Jakarta", SEEN)
    assert found is not None and found.year_source == "stated" and found.partial is None


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("2025-10-28T09:15:00+07:00", "2025-10-28T09:15:00+07:00", "minute"),
        ("2025-10-28T02:15:00Z", "2025-10-28T09:15:00+07:00", "minute"),
        ("2025-10-28 09:15:30", "2025-10-28T09:15:30+07:00", "second"),
        ("2025-10-28", "2025-10-28T00:00:00+07:00", "day"),
    ],
)
def test_metadata_dates(value: str, expected: str, precision: str) -> None:
    found = parse_metadata_date(value, "Asia/Jakarta")
    assert found is not None
    assert found.value.isoformat() == expected
    assert found.precision == precision


def test_bad_metadata_date() -> None:
    assert parse_metadata_date("kemarin", "Asia/Jakarta") is None
