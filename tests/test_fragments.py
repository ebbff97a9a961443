"""Small HTML fragments (a JSON API's markup fields, the body the generic layer isolates) read with
BeautifulSoup: text split as it reads, links made absolute, decrees and images found, markup safe."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from conftest import kpu_archive
from scrapy.http import HtmlResponse, TextResponse
from test_national import national_registry

from crawlers.platforms.fragments import looks_like_markup, read_fragment
from crawlers.platforms.kpu_ri.article import extract_article
from crawlers.platforms.kpu_ri.listing import extract_listing
from crawlers.sample.national import NationalSite, national_posts

BASE = "https://www.kpu.go.id/berita/baca/9/rilis"


def test_a_loose_fragment_reads_as_paragraphs_with_its_links_made_absolute() -> None:
    markup = (
        "<p>Pertama &amp; utama<script>alert(1)</script><p onclick='x()'>Kedua <b>tebal</b>"
        "<div>Ketiga baris satu<br>baris dua<br><br>Keempat</div><style>p{}</style>"
        "<ul><li>satu</li><li>dua</li></ul><table><tr><td>A</td><td>B</td></tr></table>"
        "<p>Unduh <a href='/storage/files/sk-12.pdf'>SK Nomor 12</a> dan <a href='../lain'>lain</a>"
        "<figure><img src='/img/rapat.jpg' alt='rapat.jpg'><figcaption>Rapat pleno</figcaption></figure>"
        "<img src='data:image/png;base64,AAAA'>"
    )
    fragment = read_fragment(markup, BASE)
    assert fragment.paragraphs == [
        "Pertama & utama", "Kedua tebal", "Ketiga baris satu baris dua", "Keempat", "satu", "dua", "A B",
        "Unduh SK Nomor 12 dan lain", "Rapat pleno",
    ]  # fmt: skip
    assert fragment.attachments == [{"url": "https://www.kpu.go.id/storage/files/sk-12.pdf", "text": "SK Nomor 12"}]
    assert fragment.images == [{"url": "https://www.kpu.go.id/img/rapat.jpg", "caption": "Rapat pleno"}]
    assert (
        "<script" not in fragment.html
        and "onclick" not in fragment.html
        and "<style" not in fragment.html
        and "<img>" not in fragment.html
    )
    assert 'href="https://www.kpu.go.id/berita/baca/lain"' in fragment.html
    assert looks_like_markup("<p>isi") and not looks_like_markup("Rilis 3 < 5 dan 6 > 2")


def test_an_api_items_markup_field_becomes_its_listed_teaser() -> None:
    desc = "<p>KPU RI menetapkan jadwal<script>track()</script><p>pemutakhiran data&nbsp;pemilih<br><a href='/x'>Selengkapnya</a>"
    api = {"data": {"data": [
        {"id": 9, "blog_name": "Rilis", "post_slug": "rilis", "blog_desc": desc, "blog_desc_eng": "<p>" + "English " * 40,
         "created_at": "2025-01-02 10:30:00"},
        {"id": 10, "blog_name": "Tanpa isi", "post_slug": "tanpa", "created_at": "2025-01-01 10:30:00"},
    ]}}  # fmt: skip
    response = TextResponse("https://www.kpu.go.id/api/blogs/104?page=1", body=json.dumps(api).encode(),
                            headers={"Content-Type": "application/json"})  # fmt: skip
    listing = extract_listing(response.selector, response.url)
    assert listing.teasers == {BASE: "KPU RI menetapkan jadwal pemutakhiran data pemilih Selengkapnya"}


def test_a_kpu_ri_article_keeps_its_decree_links_images_and_safe_markup() -> None:
    post = national_posts(1)[0]
    page = (
        NationalSite([post])
        ._article(post)
        .replace(
            "</div></section>",
            "<p>Unduh <a href='/storage/files/pkpu-7.pdf'>PKPU 7 Tahun 2025</a> di sini.</p>"
            "<figure><img src='/foto/rapat.jpg'><figcaption>Rapat koordinasi nasional di Jakarta</figcaption></figure>"
            "</div></section>",
        )
    )
    url = f"https://www.kpu.go.id{post.path}"
    response = HtmlResponse(url, body=page.encode(), encoding="utf-8")
    fields = extract_article(response.selector, url, timezone="Asia/Jakarta", first_seen=datetime.now(UTC))
    assert fields.title == post.title
    assert fields.body_text.split("\n\n")[: len(post.body)] == list(post.body)  # title and share bar are not body
    assert fields.attachments == [
        {"url": "https://www.kpu.go.id/storage/files/pkpu-7.pdf", "text": "PKPU 7 Tahun 2025"}
    ]
    assert {
        "url": "https://www.kpu.go.id/foto/rapat.jpg",
        "caption": "Rapat koordinasi nasional di Jakarta",
    } in fields.images
    assert "<h2" not in fields.body_html and f"<p>{post.body[0]}</p>" in fields.body_html
    assert "Facebook" not in fields.body_html


def test_the_api_teaser_is_checked_against_every_national_body(tmp_path: Path) -> None:
    site = NationalSite(national_posts(5))
    db = tmp_path / "a.db"
    with site.serve() as base_url:
        registry = national_registry(tmp_path / "sites.csv", base_url)
        result = kpu_archive("crawl", "--site", "www.kpu.go.id", "--registry", str(registry), "--db", str(db))
        assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        checks = [json.loads(row[0]) for row in conn.execute("SELECT extraction_checks FROM articles")]
    assert len(checks) == 5 and all(c["generic"]["teaser"] is True for c in checks)
