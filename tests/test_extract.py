"""Extraction of real KPU page texts wrapped in two markup variants; one assertion per field."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from archive.domain.identity import article_ref
from crawlers.platforms.regional_cms.article import extract_article
from crawlers.platforms.regional_cms.listing import extract_category_links, extract_listing

FIXTURES = Path(__file__).parent / "fixtures" / "articles"
CASES = sorted(p.stem for p in FIXTURES.glob("*.html"))
FIELDS = (
    "title",
    "category",
    "body_text",
    "credit",
    "byline",
    "view_count",
    "hashtags",
    "images",
    "attachments",
    "see_also",
    "published_at",
    "published_source",
    "published_precision",
)
BOILERPLATE = ("Bagikan", "facebook twitter", "Telah dilihat", "Berita Populer", "Hak Cipta", "Beranda", "Kontak")


def _extract(stem: str) -> tuple[dict, dict]:
    expected = json.loads((FIXTURES / f"{stem}.json").read_text(encoding="utf-8"))
    body = (FIXTURES / f"{stem}.html").read_bytes()
    response = HtmlResponse(expected["url"], body=body, encoding="utf-8")
    fields = extract_article(
        response.selector,
        expected["url"],
        timezone=expected["timezone"],
        first_seen=datetime.fromisoformat(expected["first_seen"]),
    )
    got = {
        "title": fields.title,
        "category": fields.category,
        "body_text": fields.body_text,
        "credit": fields.credit,
        "byline": fields.byline,
        "view_count": fields.view_count,
        "hashtags": fields.hashtags,
        "images": fields.images,
        "attachments": fields.attachments,
        "see_also": fields.see_also,
        "published_source": fields.published_source,
        "published_at": fields.published.value.isoformat() if fields.published else None,
        "published_precision": fields.published.precision if fields.published else None,
    }
    return got, expected


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("stem", CASES)
def test_field(stem: str, field: str) -> None:
    got, expected = _extract(stem)
    assert got[field] == expected[field]


@pytest.mark.parametrize("stem", CASES)
def test_no_boilerplate_in_body(stem: str) -> None:
    got, expected = _extract(stem)
    for phrase in BOILERPLATE:
        assert phrase not in got["body_text"]
    assert not got["body_text"].startswith(expected["category"])
    assert expected["title"] not in got["body_text"]


@pytest.mark.parametrize("stem", CASES)
def test_identity_from_url(stem: str) -> None:
    expected = json.loads((FIXTURES / f"{stem}.json").read_text(encoding="utf-8"))
    ref = article_ref(expected["url"])
    assert ref is not None
    assert (ref.host, ref.native_id) == (expected["host"], expected["native_id"])


def test_body_html_is_sanitised() -> None:
    page = b"""<html><body><div><h1>Judul Berita</h1><div>
    <p onclick="steal()">Paragraf pertama yang cukup panjang untuk menjadi isi berita utama hari ini.</p>
    <script>alert(1)</script><p><a href="javascript:alert(1)">tautan</a> dan
    <a href="/storage/files/abc.pdf">unduh</a> paragraf kedua juga panjang sekali.</p></div></div></body></html>"""
    response = HtmlResponse("https://kab-ngawi.kpu.go.id/blog/read/1_x", body=page, encoding="utf-8")
    fields = extract_article(
        response.selector,
        response.url,
        timezone="Asia/Jakarta",
        first_seen=datetime.fromisoformat("2026-01-01T00:00:00+00:00"),
    )
    assert "onclick" not in fields.body_html and "<script" not in fields.body_html
    assert "javascript:" not in fields.body_html
    assert 'href="https://kab-ngawi.kpu.go.id/storage/files/abc.pdf"' in fields.body_html
    assert fields.attachments == [{"url": "https://kab-ngawi.kpu.go.id/storage/files/abc.pdf", "text": "unduh"}]
    assert fields.published is None and fields.published_source == "none"


def test_menu_categories_and_listing_links() -> None:
    page = b"""<html><body><ul><li><a href="/">Beranda</a></li>
    <li><a href="/index.php/blog/category/104-1">BeritaTerkini</a></li><li><a href="/blog/category/135">Opini</a></li>
    </ul><h2>BeritaTerkini</h2><div><div>433</div><h4><a href="/blog/read/12_judul-a">Judul A</a></h4>
    <a href="/blog/read/12_judul-a">Selengkapnya</a><h4><a href="/index.php/blog/read/judul-b/">Judul B</a></h4>
    <a href="https://www.kpu.go.id/berita/baca/1/x">KPU RI</a></div></body></html>"""
    response = HtmlResponse("https://ntb.kpu.go.id/index.php/blog/category/104-1?page=33", body=page, encoding="utf-8")
    assert extract_category_links(response.selector, response.url) == {"104-1": "BeritaTerkini", "135": "Opini"}
    listing = extract_listing(
        response.selector,
        response.url,
        is_article=lambda u: (r := article_ref(u)) is not None and r.host == "ntb.kpu.go.id",
    )
    assert listing.label == "BeritaTerkini"
    assert [article_ref(u).canonical_url for u in listing.article_urls] == [
        "https://ntb.kpu.go.id/blog/read/12_judul-a",
        "https://ntb.kpu.go.id/blog/read/judul-b",
    ]


@pytest.mark.parametrize(
    ("paragraphs", "credit"),
    [
        (["Rapat selesai. (Humas KPU Palu)", "Selengkapnya... KLIK DISINI"], "Humas KPU Palu"),
        (["Rapat selesai. (Humas KPU Palu)\nSumber: kpu.go.id"], "Humas KPU Palu"),
        (["Rapat selesai. [Hadi | MC KIP Aceh]", "Unduh lampiran", "Lampiran: SK.pdf"], "Hadi | MC KIP Aceh"),
        (["Rapat selesai tanpa kredit.", "Unduh lampiran"], None),
    ],
)
def test_the_credit_is_found_above_attachment_and_source_lines(paragraphs: list[str], credit: str | None) -> None:
    from crawlers.platforms.regional_cms.fields import trailing_credit

    assert trailing_credit(paragraphs) == credit
