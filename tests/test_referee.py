"""Two layers and a referee: no cut deletes the article, the generic layer takes over where the
platform's body fails a check, and every article says which layer gave its body and why."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawlers.platforms.referee import Listed, PageEvidence, check, referee
from crawlers.platforms.regional_cms.article import extract_article

FIXTURES = Path(__file__).parent / "fixtures" / "articles"
SEEN = datetime(2026, 1, 1, tzinfo=UTC)
PROSE = (
    "Komisi Pemilihan Umum Kabupaten Ngawi menggelar rapat pleno terbuka rekapitulasi daftar pemilih "
    "berkelanjutan bersama partai politik, Bawaslu dan dinas kependudukan setempat pada hari Senin. "
)


def extract(html: str, url: str = "https://kab-ngawi.kpu.go.id/blog/read/1_x"):  # type: ignore[no-untyped-def]
    response = HtmlResponse(url, body=html.encode(), encoding="utf-8")
    fields = extract_article(response.selector, url, timezone="Asia/Jakarta", first_seen=SEEN)
    return fields, response


def test_a_share_bar_above_the_body_does_not_take_the_body_with_it() -> None:
    html = f"""<html><body><h1>Rapat Pleno DPB</h1>
      <div class="bar"><span>Share</span><div>Facebook</div><div>Twitter</div><div>Email</div></div>
      <div class="isi"><p>{PROSE}</p><p>{PROSE}</p><p>{PROSE}</p></div>
      <div>Bagikan: facebook twitter whatapps</div><div>Berita terkait: pleno lainnya</div></body></html>"""
    fields, response = extract(html)
    assert fields.body_text.count("Komisi Pemilihan Umum") == 3
    assert "Berita terkait" not in fields.body_text  # the share box below the text still ends the body
    assert "Facebook" not in fields.body_text
    assert len(fields.refused_cuts) == 1 and "share box 'Share" in fields.refused_cuts[0]  # the refusal is recorded
    assert referee(fields, response).extraction_checks["refused_cuts"] == fields.refused_cuts


def test_a_form_that_wraps_the_page_is_not_chrome() -> None:
    html = f"""<html><body><form id="aspnetForm"><h1>Rapat Pleno DPB</h1>
      <div><p>{PROSE}</p><p>{PROSE}</p></div></form></body></html>"""
    fields, _ = extract(html)
    assert "Komisi Pemilihan Umum" in fields.body_text


def test_the_referee_keeps_a_body_that_passes_and_never_runs_the_fallback() -> None:
    html = f"""<html><head><meta property="og:description" content="{PROSE[:160]}"></head><body>
      <h1>Rapat Pleno DPB</h1><div><p>{PROSE}</p><p>{PROSE}</p></div></body></html>"""
    fields, response = extract(html)

    def never(html: bytes | str, url: str) -> str:
        raise AssertionError("the generic layer ran although every check passed")

    judged = referee(fields, response, generic=never)
    assert judged.extraction == "cms" and judged.extraction_checks["cms"]["description"] is True


def test_the_referee_takes_the_generic_body_where_the_evidence_supports_it() -> None:
    fields, response = extract(f"""<html><head><meta name="description" content="{PROSE[:160]}"></head>
      <body><h1>Rapat Pleno DPB</h1><div><p>Foto: dokumentasi humas KPU Ngawi, rapat pleno terbuka.</p></div>
      </body></html>""")
    judged = referee(fields, response, generic=lambda html, url: PROSE + "\n\n" + PROSE + "(Humas KPU Ngawi)")
    assert judged.extraction == "generic"
    assert judged.extraction_checks["cms"]["description"] is False
    assert judged.extraction_checks["generic"]["description"] is True
    assert judged.body_text.startswith("Komisi Pemilihan Umum") and judged.credit == "Humas KPU Ngawi"
    assert judged.title == fields.title  # only the body comes from the generic layer


def test_the_referee_keeps_the_platform_body_when_the_fallback_is_no_better() -> None:
    fields, response = extract("""<html><body><h1>Pengumuman</h1><div></div></body></html>""")
    judged = referee(fields, response, generic=lambda html, url: "")
    assert judged.extraction == "cms" and judged.extraction_checks["cms"]["body"] is False  # doubt recorded


def test_checks_without_evidence_say_so() -> None:
    assert check("isi", PageEvidence([], 0, [])) == {
        "body": True, "description": None, "page_share": None, "prose": None, "teaser": None}  # fmt: skip


def test_the_listing_teaser_catches_a_cut_body_the_page_gives_no_evidence_of() -> None:
    # no summary, a short page: only the listing, fetched before the page, says the body is cut
    fields, response = extract("""<html><body><h1>Rapat Pleno DPB</h1><div><p>Foto: dokumentasi humas KPU
      Ngawi, rapat pleno terbuka.</p></div></body></html>""")
    full = PROSE + "\n\n" + PROSE
    judged = referee(fields, response, generic=lambda html, url: full, listed=Listed("Rapat Pleno DPB", PROSE[:200]))
    assert judged.extraction_checks["cms"]["teaser"] is False
    assert judged.extraction == "generic" and judged.extraction_checks["generic"]["teaser"] is True
    assert judged.extraction_checks["cms"]["listed_title"] is True


def test_a_title_unlike_the_listed_one_is_doubt_not_a_reason_for_the_fallback() -> None:
    fields, response = extract(f"<html><body><h1>Beranda</h1><div><p>{PROSE}</p><p>{PROSE}</p></div></body></html>")

    def never(html: bytes | str, url: str) -> str:
        raise AssertionError("a title check called the generic layer")

    listed = Listed("Rapat Pleno Daftar Pemilih Berkelanjutan", PROSE[:150])
    judged = referee(fields, response, generic=never, listed=listed)
    assert judged.extraction == "cms"
    assert judged.extraction_checks["cms"]["listed_title"] is False and judged.extraction_checks["cms"]["teaser"]


def test_listings_give_each_post_its_teaser() -> None:
    from parsel import Selector

    from archive.domain.identity import article_ref
    from crawlers.platforms.regional_cms.listing import extract_listing

    html = f"""<html><body><div class="menu"><a href="/blog/read/9_populer">Berita populer minggu ini</a></div>
      <div class="list"><div><h4><a href="/blog/read/1_rapat">Rapat Pleno DPB</a></h4><span>12 Jan 2026</span>
      <p>{PROSE[:180]}</p><a href="/blog/read/1_rapat">Selengkapnya</a></div>
      <div><h4><a href="/blog/read/2_sosialisasi">Sosialisasi</a></h4><p>Sosialisasi pemilih pemula di SMA
      Negeri 1 Ngawi bersama relawan demokrasi.</p></div></div></body></html>"""
    listing = extract_listing(
        Selector(text=html), "https://kab-ngawi.kpu.go.id/blog/category/104", is_article=lambda u: bool(article_ref(u))
    )
    first = listing.teasers["https://kab-ngawi.kpu.go.id/blog/read/1_rapat"]
    assert first.startswith("12 Jan 2026 Komisi Pemilihan Umum") and "Selengkapnya" not in first
    assert "Rapat Pleno DPB" not in first
    assert listing.teasers["https://kab-ngawi.kpu.go.id/blog/read/2_sosialisasi"].startswith("Sosialisasi pemilih")
    assert "https://kab-ngawi.kpu.go.id/blog/read/9_populer" not in listing.teasers  # a link, no words under it


@pytest.mark.parametrize("page", sorted(FIXTURES.glob("*.html")), ids=lambda p: p.stem)
def test_every_fixture_page_passes_the_platform_layer(page: Path) -> None:
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    response = HtmlResponse(expected["url"], body=page.read_bytes(), encoding="utf-8")
    fields = extract_article(response.selector, expected["url"], timezone=expected["timezone"], first_seen=SEEN)
    judged = referee(fields, response)
    assert judged.extraction == "cms", judged.extraction_checks
    assert judged.body_text == expected["body_text"]


def test_status_flags_a_site_whose_extraction_degraded(tmp_path: Path) -> None:
    from sqlalchemy.orm import Session

    from archive.domain.sites import load_registry
    from archive.ingest import register_sites
    from archive.read.status import site_statuses
    from archive.storage.db import open_engine
    from archive.storage.models import CrawlRun

    engine = open_engine(str(tmp_path / "a.db"))
    register_sites(engine, [load_registry()["kab-ngawi"], load_registry()["kota-palu"]])
    with Session(engine) as session, session.begin():
        session.add(
            CrawlRun(
                started_at=SEEN,
                finished_at=SEEN,
                status="finished",
                mode="incremental",
                sites=["kab-ngawi.kpu.go.id", "kota-palu.kpu.go.id"],
                per_site={
                    "kab-ngawi.kpu.go.id": {"pages": 9, "new": 20, "fallback": 3, "doubtful": 2},
                    "kota-palu.kpu.go.id": {"pages": 9, "new": 40, "fallback": 2, "doubtful": 1},
                },
            )
        )
    report = {s.host: s for s in site_statuses(engine, now=SEEN)}
    engine.dispose()
    ngawi, palu = report["kab-ngawi.kpu.go.id"], report["kota-palu.kpu.go.id"]
    assert "extraction-degraded" in ngawi.flags and (ngawi.fallback, ngawi.doubtful) == (3, 2)  # 10 % doubtful
    assert "extraction-degraded" not in palu.flags  # 2.5 %


def test_extract_runs_the_crawls_extraction_on_saved_pages(tmp_path: Path) -> None:
    from conftest import assert_clean_failure, kpu_archive

    pages = sorted(FIXTURES.glob("*.html"))[:2]
    result = kpu_archive("extract", *map(str, pages), "--fetched-at", "2026-01-01T00:00:00+07:00")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    for page, record in zip(pages, records, strict=True):
        expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
        assert record["file"] == str(page) and record["body_text"] == expected["body_text"]
        assert record["extraction"] == "cms" and record["extraction_checks"]["cms"]["body"] is True
    assert_clean_failure(kpu_archive("extract", str(tmp_path / "absent.html")), "cannot read")
    assert_clean_failure(kpu_archive("extract", str(pages[0]), "--fetched-at", "2026-01-01T00:00"), "no time zone")


def test_reextract_brings_an_extractor_fix_to_stored_pages(tmp_path: Path) -> None:
    from conftest import T0, article, ingest, kpu_archive
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from archive.storage.db import open_engine
    from archive.storage.models import Article, ArticleEvent, ArticleVersion

    page = sorted(FIXTURES.glob("*.html"))[0]
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    db = tmp_path / "a.db"
    engine = open_engine(str(db))
    # what an older extractor made of this page: a cut body
    ingest(
        engine,
        article(expected["url"], "Komisi Pemilihan Umum", T0, raw_html=page.read_bytes(), title=expected["title"]),
    )
    engine.dispose()
    result = kpu_archive("reextract", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "re-extracted 1 articles: 1 changed" in result.stdout
    engine = open_engine(str(db))
    with Session(engine) as session:
        stored = session.scalars(select(Article)).one()
        assert stored.body_text == expected["body_text"] and stored.extraction == "cms"
        assert stored.last_seen_at == T0 and stored.checked_at == T0  # nothing was fetched
        versions = session.scalars(select(ArticleVersion).order_by(ArticleVersion.id)).all()
        assert [v.fetched_at for v in versions] == [T0, T0]  # the new version is read from the old page
        assert "re-extracted" in (
            session.scalars(select(ArticleEvent.detail).where(ArticleEvent.kind == "edited")).one() or ""
        )
    engine.dispose()
    again = kpu_archive("reextract", "--db", str(db))
    assert "1 articles: 0 changed" in again.stdout


def test_reextract_brings_a_new_reading_of_the_date_without_a_version(tmp_path: Path) -> None:
    from conftest import T0, article, ingest, kpu_archive
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from archive.storage.db import open_engine
    from archive.storage.models import Article, ArticleVersion

    page = next(
        p for p in sorted(FIXTURES.glob("*.html")) if json.loads(p.with_suffix(".json").read_text())["published_at"]
    )
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    db = tmp_path / "a.db"
    engine = open_engine(str(db))
    # same content as today's extractor reads, but an older reading of its date: none
    ingest(engine, article(expected["url"], expected["body_text"], T0, raw_html=page.read_bytes(),
                           title=expected["title"], attachments=expected["attachments"]))  # fmt: skip
    engine.dispose()
    result = kpu_archive("reextract", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "0 changed" in result.stdout  # the content is the same: no new version
    engine = open_engine(str(db))
    with Session(engine) as session:
        stored = session.scalars(select(Article)).one()
        assert stored.published_at is not None and stored.published_source == expected["published_source"]
        assert stored.extraction == "cms"
        assert session.scalar(select(func.count()).select_from(ArticleVersion)) == 1
    engine.dispose()


def test_a_photo_captions_parenthesis_is_not_the_writers_credit() -> None:
    html = f"""<html><body><h1>Rapat Pleno DPB</h1><div class="isi"><p>{PROSE}</p><p>{PROSE} (Humas KPU Ngawi)</p>
      <figure><img src="/images/pleno.jpg"><figcaption>Suasana rapat pleno (foto: dok. KPU)</figcaption></figure>
      </div></body></html>"""
    fields, _ = extract(html)
    assert fields.body_text.endswith("Suasana rapat pleno (foto: dok. KPU)")  # the caption stays in the body
    assert fields.credit == "Humas KPU Ngawi"


def test_an_article_split_over_sibling_blocks_fails_the_prose_check_and_is_kept_whole() -> None:
    # a page builder puts each part in its own column block: the platform keeps the biggest, the first
    other = PROSE.replace("Ngawi", "Madiun").replace("Senin", "Selasa")
    blocks = "".join(f'<div class="col"><div class="txt"><p>{text}</p></div></div>' for text in (PROSE * 6, other * 5))
    fields, response = extract(f"<html><body><h1>Rapat Pleno DPB</h1><div class='row'>{blocks}</div></body></html>")
    whole = PROSE * 6 + "\n\n" + other * 5
    judged = referee(fields, response, generic=lambda html, url: whole)
    assert judged.extraction_checks["cms"]["prose"] is False  # half of the page's prose is missing
    assert judged.extraction == "generic" and judged.extraction_checks["generic"]["prose"] is True
    assert "Madiun" in judged.body_text and "Ngawi" in judged.body_text


def test_link_lists_and_their_labels_around_the_prose_are_not_body() -> None:
    html = f"""<html><body><h1>Rapat Pleno DPB</h1><div>
      <ul><li><a href="/s/fb">Facebook</a></li><li><a href="/s/tw">Tweet</a></li></ul>
      <p>Senin, 3 Juni 2024</p><p>{PROSE}</p><p>{PROSE}</p><p>(Humas KPU Ngawi)</p>
      <p>Selengkapnya... <a href="https://drive.example/d/1">KLIK DISINI</a></p>
      <p>Tags:</p><p><a href="/tag/pleno">pleno</a>, <a href="/tag/dpb">DPB</a></p>
      <h3><a href="/komentar">Tulis komentar</a></h3></div></body></html>"""
    fields, _ = extract(html)
    text = fields.body_text
    assert "Tweet" not in text and "Tags" not in text and "pleno, DPB" not in text and "komentar" not in text
    assert text.startswith("Senin, 3 Juni 2024")  # a date above the text stays
    assert "KLIK DISINI" in text and fields.credit == "Humas KPU Ngawi"  # the attachment line stays


def test_the_lead_photos_caption_is_the_photos_not_the_bodys() -> None:
    html = f"""<html><body><h1>Rapat Pleno DPB</h1>
      <figure><img src="/foto/pleno.jpg"><figcaption>Foto: Humas KPU Ngawi</figcaption></figure>
      <div><p>{PROSE}</p><p>{PROSE}</p></div></body></html>"""
    fields, _ = extract(html)
    assert "Foto: Humas" not in fields.body_text and fields.body_text.startswith("Komisi")
    assert fields.images[0]["caption"] == "Foto: Humas KPU Ngawi"


def test_boxes_the_web_names_as_boilerplate_leave_the_body_but_never_take_it() -> None:
    html = f"""<html><body><h1>Rapat Pleno DPB</h1><div>
      <p>{PROSE}</p><div class="related-posts"><p>Sosialisasi pemilih pemula di SMA Negeri 1 Ngawi berjalan lancar
      dan meriah bersama ratusan siswa kelas dua belas yang baru pertama kali memilih.</p></div>
      <p>{PROSE}</p><div class="caption-box"><img src="/foto/pleno.jpg" alt="Rapat pleno"></div>
      <p class="image-caption">Suasana rapat pleno di aula kantor</p>
      <div class="share-links">Lampiran: <a href="/uploads/sk-dpb.pdf">SK DPB</a></div></div></body></html>"""
    fields, _ = extract(html)
    assert fields.body_text.count("Komisi Pemilihan Umum") == 2
    assert "Sosialisasi pemilih" not in fields.body_text and "Suasana rapat" not in fields.body_text
    assert [i["url"] for i in fields.images] == ["https://kab-ngawi.kpu.go.id/foto/pleno.jpg"]  # its figure stays
    assert [a["url"] for a in fields.attachments] == ["https://kab-ngawi.kpu.go.id/uploads/sk-dpb.pdf"]

    wrapped, _ = extract(f"""<html><body><h1>Rapat Pleno DPB</h1><div id="author-notes">
      <p>{PROSE}</p><p>{PROSE}</p></div></body></html>""")
    assert wrapped.body_text.count("Komisi Pemilihan Umum") == 2  # the body under an unlucky name stays
    assert any("author-notes" in cut for cut in wrapped.refused_cuts)


def test_an_articles_own_header_is_not_page_chrome() -> None:
    html = f"""<html><body><header role="banner"><a href="/">KPU Kabupaten Ngawi</a></header>
      <article><header><h1>Rapat Pleno DPB</h1><p>Diposting Senin, 3 Juni 2024 10:15 WIB</p></header>
      <div><p>{PROSE}</p><h3>Hasil rekapitulasi</h3><p>{PROSE}</p><p>{PROSE}</p></div></article></body></html>"""
    fields, _ = extract(html)
    assert fields.title == "Rapat Pleno DPB"
    assert fields.body_text.startswith("Diposting Senin") and fields.body_text.count("Komisi Pemilihan") == 3
    assert "KPU Kabupaten Ngawi" not in fields.body_text  # the page's banner is still chrome


def test_a_breadcrumbs_last_item_is_the_title_only_when_the_page_title_names_it() -> None:
    page = """<html><head><title>{title}</title></head><body><header><h1>KPU Kabupaten Ngawi</h1></header>
      <main><nav><ol><li><a href="/">Beranda</a></li><li><h1>Pengumuman Seleksi PPK</h1></li></ol></nav>
      <div><p>Pendaftaran dibuka sampai Jumat.</p></div>
      <div><h2>Persyaratan</h2><p>{prose}</p><p>{prose}</p></div></main></body></html>"""
    fields, _ = extract(page.format(title="Pengumuman Seleksi PPK | KPU Kabupaten Ngawi", prose=PROSE))
    assert fields.title == "Pengumuman Seleksi PPK"
    assert fields.body_text.startswith("Pendaftaran dibuka")  # what stands between title and text is body
    fields, _ = extract(page.format(title="Beranda", prose=PROSE))
    assert fields.title == "Persyaratan"  # the banner's and the breadcrumb's h1 stay chrome
    assert "KPU Kabupaten Ngawi" not in fields.body_text and "Pendaftaran" not in fields.body_text


def test_on_a_tie_in_failed_checks_the_body_holding_more_of_the_evidence_wins() -> None:
    summary = "Rapat pleno terbuka rekapitulasi daftar pemilih berkelanjutan Ngawi bersama Bawaslu dan partai politik"
    fields, response = extract(f"""<html><head><meta name="description" content="{summary}"></head>
      <body><h1>Rapat Pleno DPB</h1><div><p>Rapat pleno di aula.</p></div></body></html>""")
    both_fail = "Rapat pleno terbuka rekapitulasi daftar pemilih di aula kantor."
    judged = referee(fields, response, generic=lambda html, url: both_fail)
    assert judged.extraction_checks["cms"]["description"] is False
    assert judged.extraction_checks["generic"]["description"] is False
    assert judged.extraction == "generic" and judged.body_text == both_fail
    no_better = referee(fields, response, generic=lambda html, url: "Rapat pleno di aula kantor KPU.")
    assert no_better.extraction == "cms"  # a tie with no more evidence held keeps the platform's body
