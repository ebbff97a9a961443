"""Provenance: every fetch as WARC (read back with warcio, digests checked, the version pointing at
its record), attachments kept once per SHA-256, their text searchable, their lineage listed."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

from conftest import kpu_archive
from warcio.archiveiterator import ArchiveIterator

from crawlers.documents import document_text, kind_of
from crawlers.sample.documents import tiny_docx, tiny_pdf
from crawlers.sample.pages import SampleArticle, SampleSite
from crawlers.sample.server import SampleWorld, filler, write_registry

NGAWI = SampleSite("kab-ngawi.kpu.go.id", "KPU Kabupaten Ngawi", {"104": "Berita Terkini"})
PALU = SampleSite("kota-palu.kpu.go.id", "KPU Kota Palu", {"104": "Berita Terkini"}, variant="b")
DECREE = tiny_pdf([
    "KEPUTUSAN KOMISI PEMILIHAN UMUM NOMOR 12 TAHUN 2025 tentang penetapan daftar calon tetap.",
    "Ditetapkan di Karangjati pada tanggal 3 Maret 2025 oleh Ketua KPU.",
])  # fmt: skip
NOTICE = tiny_docx(["PENGUMUMAN seleksi anggota PPK", "Pendaftaran dibuka di kantor KPU Wonoasri."])


def post(site: SampleSite, native: str, title: str, day: int, links: list[tuple[str, str]]) -> SampleArticle:
    blocks: list[object] = [
        f"Ngawi - KPU menerbitkan keputusan tentang daftar calon tetap, Senin ({day}/03/2025).",
        "Keputusan itu berlaku sejak tanggal ditetapkan dan diumumkan kepada masyarakat luas. (Humas KPU)",
    ]
    blocks += [{"attachment": path, "text": text, "before": "Selengkapnya: "} for path, text in links]
    return SampleArticle(host=site.host, id=native, slug=f"keputusan-{native}", category="104", title=title,
                         blocks=blocks, extra={"synthetic": True})  # fmt: skip


def world() -> SampleWorld:
    articles = [
        post(NGAWI, "501", "KPU Ngawi Umumkan DCT", 3, [("/storage/files/sk-12.pdf", "SK Nomor 12"),
                                                       ("/storage/files/pengumuman-ppk.docx", "Pengumuman PPK")]),
        *filler(NGAWI, 3),
        post(PALU, "77", "KPU Palu Teruskan Keputusan DCT", 5, [("/storage/files/salinan-sk.pdf", "Salinan SK")]),
        *filler(PALU, 2),
    ]  # fmt: skip
    files = {
        (NGAWI.host, "/storage/files/sk-12.pdf"): ("application/pdf", DECREE),
        (NGAWI.host, "/storage/files/pengumuman-ppk.docx"): (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document", NOTICE),
        (PALU.host, "/storage/files/salinan-sk.pdf"): ("application/octet-stream", DECREE),  # the same file, re-posted
    }  # fmt: skip
    return SampleWorld(sites=[NGAWI, PALU], articles=articles, per_page=3, files=files)


def test_a_crawl_keeps_every_fetch_as_warc_and_each_attachment_once(tmp_path: Path) -> None:
    sample = world()
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    with sample.serve() as base_urls:
        registry = write_registry(tmp_path / "sites.csv", sample, base_urls)
        result = kpu_archive("crawl", "--all", "--warc", str(warcs), "--registry", str(registry), "--db", str(db))
        assert result.returncode == 0, result.stderr[-2000:]
        again = kpu_archive("crawl", "--all", "--registry", str(registry), "--db", str(db))
        assert again.returncode == 0, again.stderr[-2000:]
    attachment_fetches = [p for _, p, _ in sample.requests if p.startswith("/storage/files/")]
    assert sorted(attachment_fetches) == sorted(p for _, p in sample.files)  # each URL once, not again next run

    # stored once per SHA-256 beside the archive, both sites' PDF the same file
    store = tmp_path / "archive-attachments"
    stored = sorted(p for p in store.rglob("*") if p.is_file())
    assert [p.name for p in stored] == sorted(hashlib.sha256(b).hexdigest() for b in (DECREE, NOTICE))
    assert all(p.read_bytes() in (DECREE, NOTICE) for p in stored)

    # every fetch is in the WARC, which warcio validates
    files = sorted(warcs.glob("*.warc.gz"))
    assert files and all(f.name.startswith("kpu-archive-run1-") and f.name.endswith("-00001.warc.gz") for f in files)
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", *map(str, files)],
                           capture_output=True, text=True)  # fmt: skip
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    targets = []
    with files[0].open("rb") as stream:
        records = list(ArchiveIterator(stream))
    assert records[0].rec_type == "warcinfo"
    for record in records:
        if record.rec_type == "response":
            targets.append(record.rec_headers.get_header("WARC-Target-URI"))
    requested = {base_urls[host] + path.split("#")[0] for host, path, _ in sample.requests[: len(targets)]}
    assert requested <= set(targets) and len(targets) == len([r for r in records if r.rec_type == "request"])
    assert sum(t.endswith("/robots.txt") for t in targets) == 2 and sum("/storage/files/" in t for t in targets) == 3

    # each version points at its record: the same id, and the payload is the page the archive keeps
    with sqlite3.connect(db) as conn:
        versions = conn.execute(
            "SELECT warc_file, warc_record_id, warc_offset, raw_html_zlib FROM article_versions"
        ).fetchall()
    assert len(versions) == len(sample.articles)
    for name, record_id, offset, raw in versions:
        with (warcs / name).open("rb") as stream:
            stream.seek(offset)
            record = next(iter(ArchiveIterator(stream, check_digests="raise")))
            assert record.rec_headers.get_header("WARC-Record-ID") == record_id
            assert record.content_stream().read() == zlib.decompress(raw)

    # the export and the citation carry the record; the post's files by hash
    rows = {
        r["archive_id"]: r
        for r in map(json.loads, kpu_archive("export", "--db", str(db), "--format", "jsonl").stdout.splitlines())
    }
    assert rows["kab-ngawi.kpu.go.id/501"]["attachment_sha256"] == sorted(
        hashlib.sha256(b).hexdigest() for b in (DECREE, NOTICE)
    )
    assert rows["kota-palu.kpu.go.id/77"]["attachment_sha256"] == [hashlib.sha256(DECREE).hexdigest()]
    assert (
        rows["kab-ngawi.kpu.go.id/501"]["warc_record_id"]
        and rows["kab-ngawi.kpu.go.id/501"]["warc_record_id"] in rows["kab-ngawi.kpu.go.id/501"]["citation"]
    )
    assert rows["kab-ngawi.kpu.go.id/501"]["warc_file"] in rows["kab-ngawi.kpu.go.id/501"]["citation"]

    # words that stand only in the PDF find both posts that carry it, and say so
    found = json.loads(kpu_archive("search", "Karangjati", "--db", str(db), "--format", "json").stdout)["matches"]
    assert sorted(m["archive_id"] for m in found) == ["kab-ngawi.kpu.go.id/501", "kota-palu.kpu.go.id/77"]
    assert all(m["matched_in"] == "attachment" and m["attachment_sha256"] == hashlib.sha256(DECREE).hexdigest()
               and "**Karangjati**" in m["snippet"] for m in found)  # fmt: skip
    docx = json.loads(kpu_archive("search", "Wonoasri", "--db", str(db), "--format", "json").stdout)["matches"]
    assert [m["archive_id"] for m in docx] == ["kab-ngawi.kpu.go.id/501"]
    own = json.loads(kpu_archive("search", "Ngawi", "--db", str(db), "--format", "json").stdout)["matches"]
    assert own and all(m["matched_in"] == "post" for m in own)

    # lineage: one file, two sites, Ngawi first (it published two days earlier)
    lineage = json.loads(kpu_archive("attachments", "--sha256", hashlib.sha256(DECREE).hexdigest(), "--db", str(db),
                                     "--format", "json").stdout)["attachments"]  # fmt: skip
    assert len(lineage) == 1 and lineage[0]["sites"] == 2 and lineage[0]["first_posted_by"] == NGAWI.host
    assert lineage[0]["text_source"] == "pypdf" and lineage[0]["content_type"] in (
        "application/pdf",
        "application/octet-stream",
    )
    assert [p["archive_id"] for p in lineage[0]["posts"]] == ["kab-ngawi.kpu.go.id/501", "kota-palu.kpu.go.id/77"]
    palu = json.loads(kpu_archive("attachments", "--site", "kota-palu", "--db", str(db), "--format", "json").stdout)
    assert [a["sha256"] for a in palu["attachments"]] == [hashlib.sha256(DECREE).hexdigest()]

    # re-extraction from the WARCs alone gives the archived records
    extracted = kpu_archive("extract", *map(str, files), "--registry", str(registry))
    assert extracted.returncode == 0, extracted.stderr[-2000:]
    pages = [json.loads(line) for line in extracted.stdout.splitlines()]
    assert sorted(p["url"] for p in pages) == sorted(r["url"] for r in rows.values())
    for page in pages:
        row = next(r for r in rows.values() if r["url"] == page["url"])
        assert (page["title"], page["body_text"], page["published_at"]) == (
            row["title"],
            row["body_text"],
            row["published_at"],
        )
        assert page["warc_record_id"] == row["warc_record_id"]
    reread = kpu_archive("reextract", "--warc", str(warcs), "--registry", str(registry), "--db", str(db))
    assert reread.returncode == 0 and f"{len(rows)} read from WARC" in reread.stdout and "0 changed" in reread.stdout


def test_a_removed_post_keeps_its_attachments(tmp_path: Path) -> None:
    sample = world()
    db = tmp_path / "archive.db"
    with sample.serve() as base_urls:
        registry = write_registry(tmp_path / "sites.csv", sample, base_urls)
        assert kpu_archive("crawl", "--all", "--registry", str(registry), "--db", str(db)).returncode == 0
        sample.articles = [a for a in sample.articles if a.id != "501"]
        for _ in range(2):  # a suspected removal, then its confirmation
            check = kpu_archive("crawl", "--all", "--recheck", "--confirm-after", "0", "--registry", str(registry),
                                "--db", str(db))  # fmt: skip
            assert check.returncode == 0, check.stderr[-2000:]
    lineage = json.loads(kpu_archive("attachments", "--site", "kab-ngawi", "--db", str(db), "--format", "json").stdout)
    assert len(lineage["attachments"]) == 2
    assert all(p["status"] == "removed" for a in lineage["attachments"] for p in a["posts"] if p["site"] == NGAWI.host)
    assert all((tmp_path / "archive-attachments" / a["path"]).is_file() for a in lineage["attachments"])


def test_a_crawl_killed_while_writing_warc_leaves_a_readable_file(tmp_path: Path) -> None:
    sample = world()
    sample.articles += filler(NGAWI, 30, start_id=7000)
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    with sample.serve() as base_urls:
        registry = write_registry(tmp_path / "sites.csv", sample, base_urls)
        env = {**os.environ, "KPU_DOWNLOAD_DELAY": "0", "KPU_ARCHIVE_DB": ""}
        process = subprocess.Popen(
            [sys.executable, "-m", "archive", "crawl", "--all", "--warc", str(warcs), "--registry", str(registry),
             "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )  # fmt: skip
        seen = {"articles": 0}

        def kill_mid_crawl(host: str, path: str) -> None:
            if "/blog/read/" in path:
                seen["articles"] += 1
                if seen["articles"] == 12:
                    os.kill(process.pid, signal.SIGKILL)

        sample.on_request = kill_mid_crawl
        process.communicate(timeout=300)
        sample.on_request = None
        assert process.returncode == -signal.SIGKILL
        killed = sorted(warcs.glob("*.warc.gz"))
        assert killed
        for name in killed:  # reads to its last record, digests sound
            with name.open("rb") as stream:
                kinds = [r.rec_type for r in ArchiveIterator(stream, check_digests="raise")]
            assert kinds[0] == "warcinfo" and kinds.count("response") == kinds.count("request") >= 5
        resumed = kpu_archive("crawl", "--all", "--warc", str(warcs), "--registry", str(registry), "--db", str(db))
        assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert len(sorted(warcs.glob("*.warc.gz"))) == len(killed) + 1  # the next run writes its own file
    with sqlite3.connect(db) as conn:
        pointers = conn.execute("SELECT warc_file, warc_offset, warc_record_id FROM article_versions").fetchall()
    assert len(pointers) == len(sample.articles)
    for name, offset, record_id in pointers:
        with (warcs / name).open("rb") as stream:
            stream.seek(offset)
            assert next(iter(ArchiveIterator(stream))).rec_headers.get_header("WARC-Record-ID") == record_id


def test_documents_are_read_by_their_bytes_not_their_label() -> None:
    assert document_text(DECREE, "application/octet-stream", "https://x/a.bin")[1] == "pypdf"
    assert "Karangjati" in (document_text(DECREE, None, "https://x/a")[0] or "")
    assert document_text(NOTICE, None, "https://x/unduh?id=3") == (
        "PENGUMUMAN seleksi anggota PPK\nPendaftaran dibuka di kantor KPU Wonoasri.",
        "docx",
    )
    assert kind_of(b"\xd0\xcf\x11\xe0 old word", "application/msword", "https://x/a.doc") == "other"
    assert document_text(b"%PDF-1.4 broken", "application/pdf", "https://x/a.pdf")[1].startswith("error:")
    assert document_text(b"\x89PNG....", "image/png", "https://x/a.png") == (None, "none")


def test_the_scheduler_passes_its_warc_dir_to_every_crawl(tmp_path: Path) -> None:
    from archive.scheduler.config import load_config
    from archive.scheduler.service import crawl_command

    config_file = tmp_path / "kpu.toml"
    config_file.write_text('[provenance]\nwarc_dir = "/srv/kpu/warcs"\n', encoding="utf-8")
    command = crawl_command(load_config(config_file), "sqlite:///a.db", "incremental", ["kab-ngawi.kpu.go.id"])
    assert command[-2:] == ["--warc", "/srv/kpu/warcs"]
    queued = crawl_command(load_config(config_file, queue="redis://127.0.0.1:6379/0"), "sqlite:///a.db", "full", [])
    assert "--warc" not in queued  # queued jobs: each worker writes where its own --warc says


def test_attachments_are_kept_and_searchable_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    sample = world()
    store = tmp_path / "store"
    with sample.serve() as base_urls:
        registry = write_registry(tmp_path / "sites.csv", sample, base_urls)
        result = kpu_archive(
            "crawl", "--all", "--attachments-dir", str(store), "--registry", str(registry), "--db", pg_url
        )
        assert result.returncode == 0, result.stderr[-2000:]
    decree = hashlib.sha256(DECREE).hexdigest()
    assert (store / decree[:2] / decree[2:4] / decree).read_bytes() == DECREE
    found = json.loads(kpu_archive("search", "Karangjati", "--db", pg_url, "--format", "json").stdout)["matches"]
    assert sorted(m["archive_id"] for m in found) == ["kab-ngawi.kpu.go.id/501", "kota-palu.kpu.go.id/77"]
    assert all(m["matched_in"] == "attachment" and "**Karangjati**" in m["snippet"] for m in found)
    lineage = json.loads(kpu_archive("attachments", "--sha256", decree, "--db", pg_url, "--format", "json").stdout)
    assert lineage["attachments"][0]["sites"] == 2 and lineage["attachments"][0]["first_posted_by"] == NGAWI.host
    rows = [json.loads(r) for r in kpu_archive("export", "--db", pg_url, "--format", "jsonl").stdout.splitlines()]
    assert next(r for r in rows if r["native_id"] == "77")["attachment_sha256"] == [decree]
