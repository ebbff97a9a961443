"""The recrawl scenario: crawl a phase-1 world, change it, and check every outcome exactly.

Phase 2 brings new posts at the top of the listings (every page shifts), an edited post, a removed
post (404), a soft 404, a live post that answers 503 once, a slug change with a 301 and a body-only
edit.  Phase 3 brings the removed post back.  Every run is the real ``kpu-archive`` command line.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import kpu_archive
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.storage.db import open_engine
from archive.storage.models import Article, ArticleEvent, ArticleUrl
from crawlers.sample.pages import SampleArticle, SampleSite
from crawlers.sample.server import SampleWorld, filler, load_articles, write_registry

SING = SampleSite("kota-singkawang.kpu.go.id", "KPU Kota Singkawang", {"104": "Berita Terkini", "11": "Pengumuman"})
PAC = SampleSite(
    "kab-pacitan.kpu.go.id",
    "KPU Kabupaten Pacitan",
    {"104": "Berita Terkini", "135": "Opini"},
    variant="b",
    index_php_links=True,
)


def new_post(site: SampleSite, n: int) -> SampleArticle:
    town = site.name.split()[-1]
    return SampleArticle(
        host=site.host,
        id=str(9100 + n),
        slug=f"berita-baru-{n}-kpu-{town.lower()}",
        category="104",
        title=f"Berita Baru {n}: Sosialisasi Pendidikan Pemilih KPU {town}",
        views=1,
        blocks=[
            f"{town} - KPU {town} menggelar sosialisasi pendidikan pemilih gelombang {n} di aula kantor, "
            f"Selasa (4/11/2025).",
            "Kegiatan diikuti pelajar dan mahasiswa pemilih pemula. (Humas)",
        ],
        extra={"synthetic": True},
    )


class Scenario:
    def __init__(self) -> None:
        self.real = {(a.host, a.native_id): a for a in load_articles() if a.host in (SING.host, PAC.host)}
        self.sing_f = filler(SING, 7)  # F1..F7, ids 9000..8994, newest first
        self.pac_f = filler(PAC, 7)
        self.world = SampleWorld(sites=[SING, PAC], articles=self.phase1(), per_page=2)

    def site_real(self, host: str) -> list[SampleArticle]:
        return [a for (h, _), a in self.real.items() if h == host]

    def phase1(self) -> list[SampleArticle]:
        return self.site_real(SING.host) + self.sing_f + self.site_real(PAC.host) + self.pac_f

    def phase2(self) -> None:
        f = list(self.sing_f)
        self.edited = replace(
            f[1], title=f[1].title + " (Diperbarui)", blocks=[*f[1].blocks, "Ralat: rapat dipindah ke Rabu pagi."]
        )
        f[1] = self.edited
        self.removed, self.soft = f[5], f[6]
        self.flaky = f[4]
        sing = [new_post(SING, n) for n in (1, 2, 3)] + self.site_real(SING.host) + f[:5]
        p = list(self.pac_f)
        self.moved_from = p[2]
        self.moved = replace(p[2], slug=p[2].slug + "-revisi")
        p[2] = self.moved
        self.body_edit = replace(p[4], blocks=[p[4].blocks[0], "Rapat juga membahas anggaran tahun 2026."])
        p[4] = self.body_edit
        pac = [new_post(PAC, 1)] + self.site_real(PAC.host) + p
        self.world.articles = sing + pac
        self.world.soft_404 = {(SING.host, self.soft.path)}
        self.world.fail_once = {(SING.host, self.flaky.path)}
        self.world.redirects = {(PAC.host, self.moved_from.path): self.moved.path}

    def phase3(self) -> None:
        self.world.articles = self.world.articles + [self.removed]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("recrawl")
    db = str(folder / "archive.db")
    sc = Scenario()
    world = sc.world
    results: dict[str, tuple[subprocess.CompletedProcess[str], list[tuple[str, str, int]]]] = {}

    def crawl(name: str, *flags: str) -> None:
        start = len(world.requests)
        result = kpu_archive("crawl", "--all", "--registry", str(registry), "--db", db, *flags)
        assert result.returncode == 0, result.stderr
        results[name] = (result, world.requests[start:])

    with world.serve() as base_urls:
        registry = write_registry(folder / "sites.csv", world, base_urls)
        crawl("first")
        crawl("unchanged")
        sc.phase2()
        crawl("incremental")
        crawl("recheck1", "--recheck")
        crawl("recheck2", "--recheck", "--recheck-limit", "2", "--confirm-after", "0")
        sc.phase3()
        crawl("recheck3", "--recheck")
    sc.db = db
    sc.results = results
    return sc


def summary(result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    line = result.stdout.splitlines()[1]
    return {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", line.replace("articles new", "new"))}


def test_first_crawl_then_an_unchanged_incremental_one(scenario) -> None:  # type: ignore[no-untyped-def]
    first, first_requests = scenario.results["first"]
    assert summary(first)["new"] == 17
    result, requests = scenario.results["unchanged"]
    counts = summary(result)
    assert (counts["new"], counts["updated"], counts["unchanged"], counts["removed"]) == (0, 0, 0, 0)
    # robots.txt + home page + page 1 of each of the 4 categories, against the first crawl's requests
    assert len(requests) == 2 + 2 + 4, requests
    assert len(first_requests) > 4 * len(requests)


def test_incremental_run_after_the_world_changed(scenario) -> None:  # type: ignore[no-untyped-def]
    result, requests = scenario.results["incremental"]
    counts = summary(result)
    assert (counts["new"], counts["updated"], counts["unchanged"], counts["removed"]) == (4, 1, 0, 0)
    paths = [(host.split(".")[0], re.sub(r"^/index\.php", "", path)) for host, path, _ in requests]
    articles = sorted(p for _, p in paths if "/blog/read/" in p)
    assert articles == sorted(
        [new_post(SING, n).path for n in (1, 2, 3)] + [new_post(PAC, 1).path, scenario.edited.path]
    )
    listings = sorted(p for _, p in paths if "/blog/category/" in p)
    # singkawang 104: pages 1-3 hold news, page 4 is all known; 11: page 1; pacitan 104: pages 1-2; 135: page 1
    assert listings == sorted(
        [
            "/blog/category/104",
            "/blog/category/104?page=2",
            "/blog/category/104?page=3",
            "/blog/category/104?page=4",
            "/blog/category/11",
            "/blog/category/104",
            "/blog/category/104?page=2",
            "/blog/category/135",
        ]
    )
    assert len(requests) == 2 + 2 + len(listings) + len(articles)


def test_recheck_finds_edits_and_suspects_but_does_not_yet_remove(scenario) -> None:  # type: ignore[no-untyped-def]
    result, requests = scenario.results["recheck1"]
    counts = summary(result)
    assert (counts["new"], counts["updated"], counts["unchanged"], counts["removed"]) == (0, 1, 18, 0)
    assert "suspected 2" in result.stdout  # singkawang: the 404 and the soft 404
    statuses = [status for _, _, status in requests]
    assert statuses.count(503) == 1 and statuses.count(301) == 1
    assert len(requests) == 2 + 21 + 1 + 1  # robots, every archived article, the 503's retry, the 301's hop
    assert not [p for _, p, _ in requests if "/blog/category/" in p or p == "/"]


def test_second_check_confirms_removals_first(scenario) -> None:  # type: ignore[no-untyped-def]
    result, requests = scenario.results["recheck2"]
    counts = summary(result)
    assert counts["removed"] == 2 and counts["updated"] == 0 and counts["new"] == 0
    assert sorted(p for _, p, _ in requests if p != "/robots.txt") == sorted(
        [scenario.removed.path, scenario.soft.path]
    )


def test_a_post_that_comes_back_is_restored(scenario) -> None:  # type: ignore[no-untyped-def]
    result, _ = scenario.results["recheck3"]
    counts = summary(result)
    assert counts["restored"] == 1 and counts["removed"] == 0
    history = kpu_archive("history", f"https://{SING.host}{scenario.removed.path}", "--db", scenario.db)
    assert history.returncode == 0, history.stderr
    kinds = re.findall(r"^\s+\S+\s+([a-z-]+)", history.stdout.split("events:")[1], re.MULTILINE)
    assert kinds == ["first-seen", "removal-suspected", "removed", "restored"]
    assert "HTTP 404" in history.stdout


def test_archive_state_no_duplicate_no_false_removal(scenario) -> None:  # type: ignore[no-untyped-def]
    engine = open_engine(scenario.db)
    with Session(engine) as session:
        articles = session.scalars(select(Article)).all()
        assert len(articles) == 21  # 17 + 4 new: the moved post is still one article
        ever_suspected = set(
            session.scalars(
                select(Article.native_id).join(ArticleEvent).where(ArticleEvent.kind == "removal-suspected")
            )
        )
        removed = {a.native_id: a for a in articles if a.removed_at is not None}
        assert ever_suspected == {scenario.removed.native_id, scenario.soft.native_id}  # not the 503 post
        assert {a.native_id for a in articles if a.removal_suspected_at} == {scenario.soft.native_id}
        assert set(removed) == {scenario.soft.native_id}
        soft = removed[scenario.soft.native_id]
        assert soft.removal_reason == "soft-404" and soft.removal_status == 200
        moved = next(a for a in articles if a.url.endswith(scenario.moved.path))
        urls = session.scalars(select(ArticleUrl.url).where(ArticleUrl.article_id == moved.id)).all()
        assert sorted(urls) == sorted(
            [f"https://{PAC.host}{scenario.moved_from.path}", f"https://{PAC.host}{scenario.moved.path}"]
        )
    engine.dispose()


def test_exports_versions_and_removed(scenario) -> None:  # type: ignore[no-untyped-def]
    live = list(csv.DictReader(io.StringIO(kpu_archive("export", "--db", scenario.db).stdout)))
    assert len(live) == 20 and len({r["url"] for r in live}) == 20
    assert "removed_at" not in live[0]
    everything = [
        json.loads(line)
        for line in kpu_archive(
            "export", "--db", scenario.db, "--format", "jsonl", "--include-removed"
        ).stdout.splitlines()
    ]
    assert len(everything) == 21
    soft = [r for r in everything if r["url"].endswith(scenario.soft.path)]
    assert soft[0]["removed_at"] and soft[0]["removal_reason"] == "soft-404"
    versions = [
        json.loads(line)
        for line in kpu_archive(
            "export", "--db", scenario.db, "--format", "jsonl", "--include-versions", "--include-removed"
        ).stdout.splitlines()
    ]
    assert len(versions) == 21 + 2  # the two edited posts have two versions each
    edited = [r for r in versions if r["url"].endswith(scenario.edited.path)]
    assert [r["version"] for r in edited] == [1, 2]
    assert edited[0]["title"] != edited[1]["title"] == scenario.edited.title


def test_history_shows_a_diff_and_the_url_history(scenario) -> None:  # type: ignore[no-untyped-def]
    result = kpu_archive("history", f"http://{SING.host}/index.php{scenario.edited.path}/", "--db", scenario.db)
    assert result.returncode == 0, result.stderr
    assert "versions  2" in result.stdout
    assert f"+# {scenario.edited.title}" in result.stdout and "+Ralat: rapat dipindah ke Rabu pagi." in result.stdout
    moved = kpu_archive("history", f"https://{PAC.host}{scenario.moved_from.path}", "--db", scenario.db)
    assert moved.returncode == 0, moved.stderr
    assert "moved" in moved.stdout and scenario.moved.path in moved.stdout
    missing = kpu_archive("history", f"https://{PAC.host}/blog/read/1_tidak-ada", "--db", scenario.db)
    assert missing.returncode == 2 and "no archived article" in missing.stderr


def test_runs_lists_every_run(scenario) -> None:  # type: ignore[no-untyped-def]
    result = kpu_archive("runs", "--db", scenario.db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 + 6
    assert [line.split()[4] for line in lines[1:]] == [
        "recheck",
        "recheck",
        "recheck",
        "incremental",
        "incremental",
        "incremental",
    ]


def test_bad_flags_are_one_line_errors(tmp_path: Path) -> None:
    result = kpu_archive("crawl", "--all", "--full", "--recheck", "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "--full and --recheck" in result.stderr
