"""KPU RI (www.kpu.go.id) as its own platform: a JavaScript-shell site walked through its JSON API,
articles read by the generic layer, dated by the API to the minute in WIB."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

from conftest import kpu_archive
from scrapy.http import HtmlResponse, TextResponse

from crawlers.platforms.kpu_ri.listing import extract_category_links, extract_listing
from crawlers.sample.national import NationalSite, national_posts


def national_registry(path: Path, base_url: str) -> Path:
    path.write_text(
        "host,name,level,province,timezone,host_source,platform,base_url\n"
        f"www.kpu.go.id,KPU RI,nasional,Nasional,Asia/Jakarta,seen,kpu-ri,{base_url}\n",
        encoding="utf-8",
    )
    return path


def test_a_national_crawl_walks_the_api_and_dates_every_post_to_the_minute(tmp_path: Path) -> None:
    site = NationalSite(national_posts(14))
    db = tmp_path / "a.db"
    with site.serve() as base_url:
        registry = national_registry(tmp_path / "sites.csv", base_url)
        first = kpu_archive("crawl", "--site", "www.kpu.go.id", "--registry", str(registry), "--db", str(db))
        assert first.returncode == 0, first.stderr[-2000:]
        fetched = len(site.requests)
        status = json.loads(kpu_archive("status", "--db", str(db), "--format", "json").stdout)["sites"]
        assert [(s["host"], s["fetched"], s["fallback"]) for s in status] == [
            ("www.kpu.go.id", 14, 0)
        ]  # generic by design
        again = kpu_archive("crawl", "--site", "www.kpu.go.id", "--registry", str(registry), "--db", str(db))
        assert again.returncode == 0, again.stderr[-2000:]
    article_fetches = [r for r in site.requests[:fetched] if r.startswith("/berita/baca/")]
    assert sorted(article_fetches) == sorted(p.path for p in site.posts)  # each post once, none twice
    assert not [r for r in site.requests[fetched:] if r.startswith("/berita/baca/")]  # nothing new: none again
    exported = kpu_archive("export", "--db", str(db), "--format", "jsonl")
    rows = {row["native_id"]: row for row in map(json.loads, exported.stdout.splitlines())}
    assert len(rows) == len(site.posts)
    for post in site.posts:
        row = rows[str(post.id)]
        assert row["title"] == post.title and row["level"] == "nasional"
        assert row["url"] == f"https://www.kpu.go.id{post.path}"
        published = datetime.fromisoformat(row["published_at"])
        assert published.utcoffset() is not None and published.utcoffset().total_seconds() == 7 * 3600  # type: ignore[union-attr]
        assert published.replace(tzinfo=None) == post.created_at and row["published_precision"] == "minute"
        assert row["extraction"] == "generic"
        body = row["body_text"]
        assert all(sentence in body for sentence in post.body)  # the whole body, below the share bar
        assert (
            "Facebook" not in body
            and "Berita Lainnya" not in body
            and "Komisi Pemilihan Umum Republik Indonesia\n" not in body
        )


def test_the_menu_gives_the_news_categories_and_an_html_listing_is_read_for_links() -> None:
    shell = NationalSite(national_posts(3))._shell("KPU RI")
    home = HtmlResponse("https://www.kpu.go.id/", body=shell.encode(), encoding="utf-8")
    assert extract_category_links(home.selector, home.url) == {"104": "Berita Terkini", "140": "Siaran Pers"}
    html = """<html><body><div class="list"><a href="/berita/baca/77/rilis-tujuh">Rilis tujuh dari KPU RI</a>
      <a href="/berita/baca/78/rilis-delapan">Rilis delapan dari KPU RI</a></div></body></html>"""
    listing = extract_listing(
        HtmlResponse("https://www.kpu.go.id/api/blogs/104?page=1", body=html.encode(), encoding="utf-8").selector,
        "https://www.kpu.go.id/api/blogs/104?page=1",
    )
    assert listing.source == "html" and listing.article_urls == [
        "https://www.kpu.go.id/berita/baca/77/rilis-tujuh",
        "https://www.kpu.go.id/berita/baca/78/rilis-delapan",
    ]
    api = json.dumps({"data": {"data": [{"id": 9, "blog_name": "Rilis", "post_slug": "rilis", "created_at": "2025-01-02 10:30:00"},
                                        {"id": "x", "post_slug": "bad"}]}})  # fmt: skip
    response = TextResponse("https://www.kpu.go.id/api/blogs/104?page=1", body=api.encode(),
                            headers={"Content-Type": "application/json"})  # fmt: skip
    parsed = extract_listing(response.selector, response.url)
    assert parsed.source == "api" and parsed.article_urls == ["https://www.kpu.go.id/berita/baca/9/rilis"]
    assert parsed.dates == {"https://www.kpu.go.id/berita/baca/9/rilis": "2025-01-02 10:30:00"}


def test_sites_lists_the_national_site() -> None:
    result = kpu_archive("sites", "--level", "nasional", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["host"], r["platform"]) for r in rows] == [("www.kpu.go.id", "kpu-ri"), ("jdih.kpu.go.id", "jdih")]


def test_regional_copies_name_the_national_release_as_origin_and_propagation_counts_them(tmp_path: Path) -> None:
    from datetime import timedelta

    from crawlers.sample.national import regional_copy
    from crawlers.sample.server import DEMO_SITES, SampleWorld, filler

    posts = national_posts(3)  # newest first
    oldest, middle, newest = posts[2], posts[1], posts[0]
    singkawang, pacitan = DEMO_SITES[0], DEMO_SITES[1]
    copies = [
        regional_copy(oldest, singkawang, timedelta(days=1, minutes=30), 700),
        regional_copy(oldest, pacitan, timedelta(days=3), 800),
        regional_copy(middle, singkawang, timedelta(days=2), 701),
    ]
    regional = SampleWorld(
        sites=[singkawang, pacitan], per_page=3,
        articles=[c for c in copies if c.host == singkawang.host] + filler(singkawang, 3)
        + [c for c in copies if c.host == pacitan.host] + filler(pacitan, 3),
    )  # fmt: skip
    national = NationalSite(posts)
    db = tmp_path / "a.db"
    with national.serve() as national_url, regional.serve() as urls:
        registry = tmp_path / "sites.csv"
        registry.write_text(
            "host,name,level,province,timezone,host_source,platform,base_url\n"
            f"www.kpu.go.id,KPU RI,nasional,Nasional,Asia/Jakarta,seen,kpu-ri,{national_url}\n"
            f"{singkawang.host},KPU Kota Singkawang,kota,Kalimantan Barat,Asia/Jakarta,seen,,{urls[singkawang.host]}\n"
            f"{pacitan.host},KPU Kabupaten Pacitan,kabupaten,Jawa Timur,Asia/Jakarta,seen,,{urls[pacitan.host]}\n",
            encoding="utf-8",
        )
        crawled = kpu_archive("crawl", "--all", "--registry", str(registry), "--db", str(db))
        assert crawled.returncode == 0, crawled.stderr[-2000:]
    rows = [
        json.loads(line) for line in kpu_archive("export", "--db", str(db), "--format", "jsonl").stdout.splitlines()
    ]
    by_key = {(r["site"], r["native_id"]): r for r in rows}
    assert len([r for r in rows if r["site"] == "www.kpu.go.id"]) == 3  # every national post once
    origin = by_key[("www.kpu.go.id", str(oldest.id))]
    assert origin["is_origin"] and origin["origin_site"] == "www.kpu.go.id" and origin["origin_lag_hours"] == 0
    first, late = by_key[(singkawang.host, "700")], by_key[(pacitan.host, "800")]
    assert first["cluster_id"] == late["cluster_id"] == origin["cluster_id"] and not first["is_origin"]
    assert (first["origin_site"], first["origin_lag_hours"], late["origin_lag_hours"]) == ("www.kpu.go.id", 24.5, 72.0)
    assert by_key[(singkawang.host, "701")]["origin_site"] == "www.kpu.go.id"

    result = kpu_archive("propagation", "--db", str(db), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    releases = {r["url"].rsplit("/", 2)[-2]: r for r in report["releases"]}
    assert (releases[str(oldest.id)]["sites"], releases[str(oldest.id)]["median_lag_hours"]) == (2, 48.2)
    assert releases[str(oldest.id)]["provinces_without"] == []
    assert (releases[str(middle.id)]["sites"], releases[str(middle.id)]["provinces_without"]) == (1, ["Jawa Timur"])
    assert (releases[str(newest.id)]["sites"], releases[str(newest.id)]["median_lag_hours"]) == (0, None)
    shares = {s["site"]: (s["reposted"], s["releases"]) for s in report["sites"]}
    assert shares == {singkawang.host: (2, 3), pacitan.host: (1, 3)}
    since = json.loads(kpu_archive("propagation", "--db", str(db), "--format", "json",
                                   "--since", middle.created_at.date().isoformat()).stdout)  # fmt: skip
    assert len(since["releases"]) == 2
    table = kpu_archive("propagation", "--db", str(db))
    assert table.returncode == 0 and "3 national releases" in table.stdout


def test_where_the_api_is_gone_the_html_listing_is_walked(tmp_path: Path) -> None:
    site = NationalSite(national_posts(9), api=False)
    db = tmp_path / "a.db"
    with site.serve() as base_url:
        registry = national_registry(tmp_path / "sites.csv", base_url)
        crawled = kpu_archive("crawl", "--site", "www.kpu.go.id", "--registry", str(registry), "--db", str(db))
        assert crawled.returncode == 0, crawled.stderr[-2000:]
    assert "walking the HTML listing" in crawled.stderr
    assert any(r.startswith("/berita/104/berita-terkini?page=") for r in site.requests)
    rows = [
        json.loads(line) for line in kpu_archive("export", "--db", str(db), "--format", "jsonl").stdout.splitlines()
    ]
    assert sorted(r["native_id"] for r in rows) == sorted(str(p.id) for p in site.posts)
    assert all(r["published_at"] is None and r["published_precision"] is None for r in rows)  # no date invented


def test_jdih_news_is_walked_and_its_decrees_recorded(tmp_path: Path) -> None:
    from crawlers.sample.jdih import JdihSite, jdih_posts

    site = JdihSite(jdih_posts(7))
    db = tmp_path / "a.db"
    with site.serve() as base_url:
        registry = tmp_path / "sites.csv"
        registry.write_text(
            "host,name,level,province,timezone,host_source,platform,base_url\n"
            f"jdih.kpu.go.id,JDIH KPU,nasional,Nasional,Asia/Jakarta,seen,jdih,{base_url}\n",
            encoding="utf-8",
        )
        crawled = kpu_archive("crawl", "--site", "jdih.kpu.go.id", "--registry", str(registry), "--db", str(db))
        assert crawled.returncode == 0, crawled.stderr[-2000:]
    assert sorted(r for r in site.requests if r.startswith("/blog/read/")) == sorted(p.path for p in site.posts)
    rows = {
        r["native_id"]: r
        for r in map(json.loads, kpu_archive("export", "--db", str(db), "--format", "jsonl").stdout.splitlines())
    }
    assert sorted(rows) == sorted(str(p.id) for p in site.posts)
    for post in site.posts:
        row = rows[str(post.id)]
        assert row["title"] == post.title and "Jakarta – Biro Hukum KPU" in row["body_text"]
        assert (
            row["published_at"][:10] == "{:04d}-{:02d}-{:02d}".format(*post.day) and row["published_precision"] == "day"
        )
        assert [a["url"] for a in row["attachments"]] == [f"https://jdih.kpu.go.id{post.decree}"]


def test_where_neither_the_api_nor_the_html_listing_lists_posts_the_sitemap_does(tmp_path: Path) -> None:
    site = NationalSite(national_posts(6), api=False, html_listing=False)
    db = tmp_path / "a.db"
    with site.serve() as base_url:
        registry = national_registry(tmp_path / "sites.csv", base_url)
        args = ("crawl", "--site", "www.kpu.go.id", "--registry", str(registry), "--db", str(db))
        crawled = kpu_archive(*args)
        assert crawled.returncode == 0, crawled.stderr[-2000:]
        fetched = len(site.requests)
        again = kpu_archive(*args)
        assert again.returncode == 0, again.stderr[-2000:]
    assert "reading /sitemap.xml" in crawled.stderr and "/sitemap-berita.xml" in site.requests
    assert sorted(r for r in site.requests[:fetched] if r.startswith("/berita/baca/")) == sorted(
        p.path for p in site.posts
    )
    assert not [r for r in site.requests[fetched:] if r.startswith("/berita/baca/")]  # incremental: none again
    rows = kpu_archive("export", "--db", str(db), "--format", "jsonl").stdout.splitlines()
    assert len(rows) == len(site.posts)


def test_a_recheck_of_the_national_site_finds_edits_and_takedowns(tmp_path: Path) -> None:
    from dataclasses import replace

    site = NationalSite(national_posts(5))
    db = tmp_path / "a.db"
    with site.serve() as base_url:
        registry = national_registry(tmp_path / "sites.csv", base_url)
        assert kpu_archive("crawl", "--all", "--registry", str(registry), "--db", str(db)).returncode == 0
        gone, edited = site.posts[0], site.posts[1]
        corrected = replace(edited, body=(*edited.body, "Ralat: jadwal rapat diundur satu pekan."))
        site.posts[:] = [corrected if p is edited else p for p in site.posts if p is not gone]
        recheck = kpu_archive("crawl", "--all", "--recheck", "--registry", str(registry), "--db", str(db))
        assert recheck.returncode == 0, recheck.stderr[-2000:]
    rows = {
        r["native_id"]: r
        for r in map(json.loads, kpu_archive("export", "--db", str(db), "--format", "jsonl").stdout.splitlines())
    }
    assert rows[str(gone.id)]["status"] == "suspected"  # one 404 is a suspicion; removal needs it to last
    assert "Ralat: jadwal rapat diundur" in rows[str(edited.id)]["body_text"]
    history = kpu_archive("history", f"www.kpu.go.id/{edited.id}", "--db", str(db), "--format", "json")
    assert history.returncode == 0 and len(json.loads(history.stdout)["versions"]) == 2


def test_an_api_that_answers_but_lists_nothing_falls_back_to_the_html_listing(tmp_path: Path) -> None:
    site = NationalSite(national_posts(5))
    answer = site.respond
    site.respond = lambda raw: (  # type: ignore[method-assign]
        (200, "application/json", b'{"success": false, "message": "Unauthenticated."}')
        if raw.startswith("/api/") else answer(raw)
    )  # fmt: skip
    site.api = False  # the HTML listings list the posts
    with site.serve() as base_url:
        registry = national_registry(tmp_path / "sites.csv", base_url)
        crawled = kpu_archive("crawl", "--all", "--registry", str(registry), "--db", str(tmp_path / "a.db"))
    assert crawled.returncode == 0 and "lists no post; walking the HTML listing" in crawled.stderr
    rows = kpu_archive("export", "--db", str(tmp_path / "a.db"), "--format", "jsonl").stdout.splitlines()
    assert len(rows) == len(site.posts)


def test_jdih_posts_linked_from_the_home_page_are_archived_when_no_listing_is_found(tmp_path: Path) -> None:
    from crawlers.sample.jdih import JdihSite, jdih_posts

    site = JdihSite(jdih_posts(6), index="/kabar-hukum", home_posts=4)  # an index the platform cannot guess
    with site.serve() as base_url:
        registry = tmp_path / "sites.csv"
        registry.write_text(
            "host,name,level,province,timezone,host_source,platform,base_url\n"
            f"jdih.kpu.go.id,JDIH KPU,nasional,Nasional,Asia/Jakarta,seen,jdih,{base_url}\n",
            encoding="utf-8",
        )
        crawled = kpu_archive("crawl", "--all", "--registry", str(registry), "--db", str(tmp_path / "a.db"))
        assert crawled.returncode == 0, crawled.stderr[-2000:]
    rows = [
        json.loads(r)
        for r in kpu_archive("export", "--db", str(tmp_path / "a.db"), "--format", "jsonl").stdout.splitlines()
    ]
    assert sorted(r["native_id"] for r in rows) == sorted(str(p.id) for p in site.posts[:4])
