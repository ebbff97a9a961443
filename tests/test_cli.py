"""Bad input: one clear line on stderr, exit 2, nothing written.  Export safety."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import article, assert_clean_failure, ingest
from conftest import kpu_archive as run

from archive.storage.db import open_engine


def test_unknown_site(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    assert_clean_failure(run("crawl", "--site", "kab-atlantis", "--db", str(db)), "unknown site")
    assert not db.exists()


def test_unreadable_registry(tmp_path: Path) -> None:
    assert_clean_failure(run("crawl", "--all", "--registry", str(tmp_path / "none.csv")), "cannot read registry")
    bad = tmp_path / "bad.csv"
    bad.write_text("host,name,level,province,timezone,host_source\nx,y,z,w,UTC,seen\n", encoding="utf-8")
    assert_clean_failure(run("sites", "--registry", str(bad)), "row 2")


def test_bad_date_and_unreachable_database(tmp_path: Path) -> None:
    assert_clean_failure(run("export", "--since", "2025-13-01", "--db", str(tmp_path / "a.db")), "not a date")
    assert_clean_failure(run("export", "--db", "postgresql://postgres@127.0.0.1:1/none"), "cannot open archive")
    assert_clean_failure(run("export", "--db", str(tmp_path / "missing" / "a.db")), "does not exist")
    assert_clean_failure(
        run("crawl", "--site", "kab-ngawi", "--db", "postgresql://postgres@127.0.0.1:1/x"), "cannot open archive"
    )


def test_crawl_needs_sites() -> None:
    assert_clean_failure(run("crawl"), "--site HOST")


def test_sites_lists_registry() -> None:
    result = run("sites", "--province", "Papua Pegunungan")
    assert result.returncode == 0
    assert "kab-jayawijaya.kpu.go.id" in result.stdout and "Asia/Jayapura" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 9  # the province and its 8 regencies


def _archive_with(tmp_path: Path, title: str, body: str) -> Path:
    db = tmp_path / "a.db"
    engine = open_engine(str(db))
    now = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    ingest(
        engine,
        article(
            "https://kab-ngawi.kpu.go.id/blog/read/1_x",
            body,
            now,
            title=title,
            raw_html=b"<html></html>",
            category_id="14",
            category="Umum",
            body_html="",
            view_count=5,
            published_at=datetime(2021, 2, 16, 17, 0, tzinfo=UTC),
            published_precision="day",
            published_source="body",
            published_text="Rabu (17/2/2021)",
        ),
    )
    engine.dispose()
    return db


def test_csv_export_neutralises_formulas_and_round_trips(tmp_path: Path) -> None:
    db = _archive_with(tmp_path, '=HYPERLINK("http://x")', 'Baris "pertama",\nbaris kedua @SUM')
    out = tmp_path / "out.csv"
    result = run("export", "--db", str(db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert rows[0]["title"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["body_text"] == 'Baris "pertama",\nbaris kedua @SUM'
    assert rows[0]["published_at"] == "2021-02-17T00:00:00+07:00"  # WIB, with its offset
    assert not (tmp_path / "out.csv.part").exists()


@pytest.mark.parametrize(
    ("since", "until", "count"),
    [("2021-02-17", None, 1), ("2021-02-18", None, 0), (None, "2021-02-16", 0), (None, "2021-02-17", 1)],
)
def test_date_filters_use_the_sites_local_date(
    tmp_path: Path, since: str | None, until: str | None, count: int
) -> None:
    db = _archive_with(tmp_path, "Judul", "Isi")
    args = ["export", "--db", str(db), "--format", "jsonl"]
    args += ["--since", since] if since else []
    args += ["--until", until] if until else []
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == count


def test_usage_errors_are_one_line_too() -> None:
    assert_clean_failure(run("crawl", "--all", "--recheck-limit", "0"), "--recheck-limit")
    assert_clean_failure(run("export", "--format", "xls"), "'--format'")
    assert_clean_failure(run("no-such-command"), "No such command")
    assert run("runs", "--help").returncode == 0
