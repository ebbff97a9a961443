"""The command line as a new user finds it: read commands never create archives, bad input is one
line, ``--out`` never replaces what it should not, times are local and labelled."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import article, assert_clean_failure, ingest, kpu_archive

from archive.storage.db import open_engine

READERS = [
    ("export",),
    ("search", "pleno"),
    ("status",),
    ("runs",),
    ("clusters",),
    ("history", "https://kab-ngawi.kpu.go.id/blog/read/1_x"),
]
PUBLISHED = datetime(2025, 10, 27, 17, 30, tzinfo=UTC)  # 28 Oct 00:30 WIB


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """One post on kab-ngawi (WIB) published just after midnight local time."""
    db = tmp_path / "a.db"
    engine = open_engine(str(db))
    ingest(
        engine,
        article(
            "https://kab-ngawi.kpu.go.id/blog/read/1_x",
            "Rapat pleno terbuka rekapitulasi.",
            title="Rapat Pleno",
            published_at=PUBLISHED,
            published_source="body",
        ),
        article(
            "https://kab-ngawi.kpu.go.id/blog/read/2_y",
            "Rapat pleno kedua, sosialisasi.",
            title="Pleno Kedua",
            published_at=PUBLISHED,
        ),
    )
    engine.dispose()
    return db


@pytest.mark.parametrize("command", READERS, ids=[c[0] for c in READERS])
def test_read_commands_never_create_an_archive(tmp_path: Path, command: tuple[str, ...]) -> None:
    missing = tmp_path / "nothing.db"
    assert_clean_failure(kpu_archive(*command, "--db", str(missing)), "no archive at")
    assert not missing.exists()
    # and without --db, in a folder with no archive: ./kpu-archive.db is not made
    env_run = _in_folder(tmp_path, *command)
    assert env_run.returncode == 2 and "no archive at" in env_run.stderr
    assert not (tmp_path / "kpu-archive.db").exists()


def _dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def _in_folder(folder: Path, *args: str):  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    env = {**os.environ, "KPU_ARCHIVE_DB": ""}
    return subprocess.run(
        [sys.executable, "-m", "archive", *args], capture_output=True, text=True, env=env, cwd=folder, timeout=120
    )


def test_an_older_archive_is_read_only_after_upgrade(archive: Path) -> None:
    with sqlite3.connect(archive) as conn:
        # as the previous release left it: schema 0005, no extraction or year-less date columns
        conn.execute("UPDATE alembic_version SET version_num = '0005'")
        conn.execute("DROP TABLE listing_neighbours")
        conn.execute("ALTER TABLE articles DROP COLUMN published_partial")
        conn.execute("ALTER TABLE articles DROP COLUMN published_year_source")
        conn.execute("ALTER TABLE articles DROP COLUMN extraction_checks")
        conn.execute("ALTER TABLE articles DROP COLUMN extraction")
        # ...nor WARC records or attachments (0008), nor the publication-time index (0009)
        conn.execute("DROP INDEX ix_articles_published")
        conn.execute("DROP INDEX ix_articles_removed")
        for table in ("attachments_fts", "article_attachments", "attachment_urls", "attachment_files"):
            conn.execute(f"DROP TABLE {table}")
        for table, column in (("articles", "warc_file"), ("articles", "warc_record_id"), ("article_versions", "warc_file"),
                              ("article_versions", "warc_record_id"), ("article_versions", "warc_offset")):  # fmt: skip
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    before = _dump(archive)
    assert_clean_failure(kpu_archive("export", "--db", str(archive)), "kpu-archive upgrade")
    assert _dump(archive) == before  # reading did not migrate, nor write anything else
    upgraded = kpu_archive("upgrade", "--db", str(archive))
    assert upgraded.returncode == 0, upgraded.stderr
    assert kpu_archive("export", "--db", str(archive)).returncode == 0
    with sqlite3.connect(archive) as conn:  # the indexes of 0009 are back, the partial one partial
        indexes = dict(
            conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_articles_%'")
        )
    assert "ix_articles_published" in indexes
    assert "WHERE removed_at IS NOT NULL" in indexes["ix_articles_removed"]


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--site", "\udcff"),
        ("export", "--category", "Berita\udcfe"),
        ("history", "https://kab-ngawi.kpu.go.id/blog/read/\udcff"),
        ("clusters", "--site", "kab-\udcff"),
    ],
    ids=["site", "category", "history-url", "clusters-site"],
)
def test_non_utf8_arguments_are_one_line(archive: Path, args: tuple[str, ...]) -> None:
    result = kpu_archive(*args, "--db", str(archive))
    assert_clean_failure(result, "not UTF-8 text")
    assert result.stdout == ""  # no CSV header before the error


def test_export_out_into_a_missing_folder_or_too_long_a_name(archive: Path, tmp_path: Path) -> None:
    assert_clean_failure(
        kpu_archive("export", "--db", str(archive), "--out", str(tmp_path / "no" / "x.csv")), "does not exist"
    )
    assert_clean_failure(kpu_archive("export", "--db", str(archive), "--out", str(tmp_path / ("x" * 300))), "too long")


def test_export_out_never_replaces_a_symlink_and_writes_through_a_fifo(archive: Path, tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link = tmp_path / "link.csv"
    link.symlink_to(precious)
    assert_clean_failure(kpu_archive("export", "--db", str(archive), "--out", str(link)), "symbolic link")
    assert link.is_symlink() and precious.read_text() == "keep me"

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = kpu_archive("export", "--db", str(archive), "--out", str(fifo))
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a FIFO, not replaced by a file
    rows = list(csv.DictReader(io.StringIO(received[0].decode("utf-8"))))
    assert len(rows) == 2
    assert not (tmp_path / "pipe.manifest.json").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full") or os.geteuid() != 0, reason="needs /dev/full, as root")
def test_export_to_a_device_is_written_straight_not_replaced(archive: Path) -> None:
    result = kpu_archive("export", "--db", str(archive), "--out", "/dev/full")
    assert_clean_failure(result, "No space left on device")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_crawl_into_a_read_only_archive_is_one_line(archive: Path) -> None:
    result = kpu_archive("crawl", "--site", "kab-ngawi", "--db", f"sqlite:///file:{archive}?mode=ro&uri=true")
    assert_clean_failure(result, "readonly")


def test_status_shows_the_newest_post_in_the_sites_own_time(archive: Path) -> None:
    result = kpu_archive("status", "--db", str(archive))
    line = next(line for line in result.stdout.splitlines() if line.startswith("kab-ngawi"))
    assert "2025-10-28 00:30 WIB" in line  # not 27 Oct, as UTC would say
    document = json.loads(kpu_archive("status", "--db", str(archive), "--format", "json").stdout)
    assert document["sites"][0]["newest_article"] == "2025-10-28T00:30:00+07:00"


def test_history_takes_the_archive_id_the_export_prints(archive: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(kpu_archive("export", "--db", str(archive)).stdout)))
    archive_id = rows[0]["archive_id"]
    result = kpu_archive("history", archive_id, "--db", str(archive))
    assert result.returncode == 0, result.stderr
    assert f"url       {rows[0]['url']}" in result.stdout
    as_json = json.loads(kpu_archive("history", archive_id, "--db", str(archive), "--format", "json").stdout)
    assert as_json["archive_id"] == archive_id and len(as_json["versions"]) == 1
    assert_clean_failure(kpu_archive("history", "kab-ngawi.kpu.go.id/999", "--db", str(archive)), "no archived article")


def test_a_query_starting_with_a_dash(archive: Path) -> None:
    result = kpu_archive("search", "-sosialisasi", "--db", str(archive))
    assert_clean_failure(result, "after '--'")
    ok = kpu_archive("search", "--db", str(archive), "--format", "jsonl", "--", "-sosialisasi pleno")
    assert ok.returncode == 0, ok.stderr
    assert [json.loads(line)["title"] for line in ok.stdout.splitlines()] == ["Rapat Pleno"]


def test_search_csv_leaves_numbers_alone_and_says_the_total(archive: Path) -> None:
    result = kpu_archive("search", "pleno", "--db", str(archive), "--format", "csv", "--limit", "1")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and not rows[0]["rank"].startswith("'")
    float(rows[0]["rank"])
    assert "1 of 2 matches" in result.stderr


def test_parquet_published_at_is_a_timestamp_with_its_zone(archive: Path, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path / "x.parquet"
    assert kpu_archive("export", "--db", str(archive), "--format", "parquet", "--out", str(out)).returncode == 0
    table = pq.read_table(out)
    assert table.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert table.column("published_at")[0].as_py() == PUBLISHED


def test_every_command_prints_in_the_formats_it_offers(archive: Path) -> None:
    for command in (("runs",), ("clusters",), ("status",), ("sites", "--province", "Bali")):
        result = (
            kpu_archive(*command, "--db", str(archive), "--format", "json")
            if command[0] != "sites"
            else kpu_archive(*command, "--format", "json")
        )
        assert result.returncode in (0, 1), result.stderr  # status exits 1 when a site is failing
        json.loads(result.stdout)


def test_export_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "many.db"
    engine = open_engine(str(db))
    ingest(engine, *[article(f"https://bali.kpu.go.id/blog/read/{i}_x", "isi " * 400) for i in range(1, 300)])
    engine.dispose()
    export = subprocess.Popen(
        [sys.executable, "-m", "archive", "export", "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert export.stdout is not None and export.stderr is not None
    export.stdout.read(200)  # `| head -c 200`
    export.stdout.close()
    assert export.wait(timeout=60) == 1  # Click's convention for a closed pipe: exit 1, and not a word
    assert export.stderr.read() == b""
