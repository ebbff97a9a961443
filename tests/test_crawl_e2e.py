"""End to end: three sample sites on 127.0.0.1, crawled by the real CLI, exported row by row."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import kpu_archive

from crawlers.sample.pages import SampleSite, expected_body_text
from crawlers.sample.server import SampleWorld, filler, load_articles, write_registry

SITES = [
    SampleSite("kota-singkawang.kpu.go.id", "KPU Kota Singkawang", {"104": "Berita Terkini", "11": "Pengumuman"}),
    SampleSite(
        "kab-pacitan.kpu.go.id",
        "KPU Kabupaten Pacitan",
        {"104": "Berita Terkini", "135": "Opini"},
        variant="b",
        index_php_links=True,
    ),
    SampleSite("kab-tolikara.kpu.go.id", "KPU Kabupaten Tolikara", {"104": "Berita Terkini"}),
]


def build_world() -> SampleWorld:
    hosts = {s.host for s in SITES}
    articles = []
    for site in SITES:
        articles.extend(a for a in load_articles() if a.host == site.host)
        articles.extend(filler(site, 5))
    world = SampleWorld(sites=list(SITES), articles=articles, per_page=2, repeat_last_page={"kab-tolikara.kpu.go.id"})
    first_filler = next(a for a in articles if a.host == "kota-singkawang.kpu.go.id" and a.extra.get("synthetic"))
    world.fail_once = {
        ("kab-pacitan.kpu.go.id", "/blog/category/104"),
        ("kota-singkawang.kpu.go.id", first_filler.path),
    }
    assert hosts == {a.host for a in articles}
    return world


def expected_published(article) -> str | None:  # type: ignore[no-untyped-def]
    if article.extra.get("synthetic"):
        day = article.blocks[0].split("Senin (")[1].split("/")[0]
        offset = "+09:00" if article.host == "kab-tolikara.kpu.go.id" else "+07:00"  # WIT in Papua Pegunungan
        return f"2025-10-{int(day):02d}T00:00:00{offset}"
    return article.expected["published_at"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("e2e")
    db = folder / "archive.db"
    world = build_world()
    with world.serve() as base_urls:
        registry = write_registry(folder / "sites.csv", world, base_urls)
        first = kpu_archive("crawl", "--all", "--registry", str(registry), "--db", str(db))
        export1 = kpu_archive("export", "--db", str(db), "--format", "csv")
        requests_first = len(world.requests)
        incremental = kpu_archive("crawl", "--all", "--registry", str(registry), "--db", str(db))
        requests_incremental = world.requests[requests_first:]
        second = kpu_archive("crawl", "--all", "--full", "--registry", str(registry), "--db", str(db))
        export2 = kpu_archive("export", "--db", str(db), "--format", "jsonl")
    world.incremental = incremental  # type: ignore[attr-defined]
    world.requests_incremental = requests_incremental  # type: ignore[attr-defined]
    return world, first, export1, second, export2, requests_first


def test_crawl_succeeds_and_reports(crawled) -> None:  # type: ignore[no-untyped-def]
    world, first, _, second, _, _ = crawled
    assert first.returncode == 0, first.stderr
    assert f"articles new {len(world.articles)}  updated 0  unchanged 0" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "run 3 (full)" in second.stdout
    assert f"articles new 0  updated 0  unchanged {len(world.articles)}  removed 0" in second.stdout


def test_incremental_recrawl_of_an_unchanged_world_costs_one_listing_per_category(crawled) -> None:  # type: ignore[no-untyped-def]
    world, *_ = crawled
    assert world.incremental.returncode == 0, world.incremental.stderr
    assert "articles new 0  updated 0  unchanged 0  removed 0" in world.incremental.stdout
    categories = sum(len(s.categories) for s in world.sites)
    paths = sorted(path for _, path, _ in world.requests_incremental)
    assert len(paths) == len(world.sites) * 2 + categories, paths  # robots.txt + home + page 1 of each category
    assert not [p for p in paths if "/blog/read/" in p or "page=" in p]


def test_every_article_once_with_exact_fields(crawled) -> None:  # type: ignore[no-untyped-def]
    world, _, export1, _, _, _ = crawled
    rows = list(csv.DictReader(io.StringIO(export1.stdout)))
    by_url = {r["url"]: r for r in rows}
    assert len(rows) == len(by_url) == len(world.articles)
    variants = {s.host: s.variant for s in world.sites}
    for article in world.articles:
        row = by_url[f"https://{article.host}{article.path}"]
        assert row["title"] == article.title
        body = expected_body_text(article, variants[article.host])
        assert row["body_text"] == ("'" + body if body.startswith(("-", "=", "+", "@")) else body)
        assert (row["published_at"] or None) == expected_published(article)
        assert row["native_id"] == article.native_id
        for phrase in ("Bagikan", "Telah dilihat", "Berita Populer", "Hak Cipta", "whatapps"):
            assert phrase not in row["body_text"]


def test_faults_were_played_and_survived(crawled) -> None:  # type: ignore[no-untyped-def]
    world, *_ = crawled
    statuses = [(host, path, status) for host, path, status in world.requests if status == 503]
    assert len(statuses) == 2
    # the repeating last page was asked for once past the end, then the walk stopped
    tolikara_pages = [p for h, p, _ in world.requests if h == "kab-tolikara.kpu.go.id" and "category/104" in p]
    # first and full crawls: 3 pages + 1 repeat each; the incremental crawl stopped after page 1
    assert len(tolikara_pages) == 2 * (3 + 1) + 1


def test_second_crawl_gives_the_same_rows(crawled) -> None:  # type: ignore[no-untyped-def]
    _, _, export1, _, export2, _ = crawled
    first = {r["url"]: r for r in csv.DictReader(io.StringIO(export1.stdout))}
    second = [json.loads(line) for line in export2.stdout.splitlines()]
    assert len(second) == len(first)
    for row in second:
        before = first[row["url"]]
        for column in ("title", "published_at", "content_sha256", "native_id", "category", "site"):
            assert (row[column] or "") == before[column]
        assert row["last_seen_at"] >= before["last_seen_at"]
        assert row["first_seen_at"] == before["first_seen_at"]


def test_crawl_opens_no_console_into_the_process_and_keeps_scrapys_other_extensions() -> None:
    """No telnet console, no remote control (an HTTP server that runs posted code), and the remote
    control's module (aiohttp.web, ~10 MB per worker) is not even imported; the rest are Scrapy's."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from scrapy.settings import Settings, default_settings\n"
        "from scrapy.utils.conf import build_component_list\n"
        "from scrapy.utils.misc import load_object\n"
        "s = Settings(); s.setmodule('crawlers.settings', priority='project')\n"
        "paths = build_component_list(s.get_component_priority_dict_with_base('EXTENSIONS'))\n"
        "[load_object(p) for p in paths]\n"
        "print(s.getbool('TELNETCONSOLE_ENABLED'), s.getbool('REMOTE_CONTROL_ENABLED'), 'aiohttp.web' in sys.modules)\n"
        "print(' '.join(paths))\n"
        "print(' '.join(default_settings.EXTENSIONS_BASE))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    flags, built, scrapys = result.stdout.splitlines()
    assert flags == "False False False"
    assert not [path for path in built.split() if "RemoteControl" in path]
    kept = {path for path in scrapys.split() if not path.endswith(".RemoteControl")}
    assert kept <= set(built.split())
    assert {"crawlers.extensions.SiteProgress", "scrapy.extensions.throttle.AutoThrottle"} <= set(built.split())
