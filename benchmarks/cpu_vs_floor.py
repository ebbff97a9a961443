"""CPU and peak memory per archived article, against a bare Scrapy spider on the same pages, in one run.

    python benchmarks/cpu_vs_floor.py [--posts 300] [--rounds 3] [--prefill N]

The local sample world (three sites, N synthetic posts each, on 127.0.0.1) is crawled by a minimal
Scrapy spider (home page → category links → listing pages → article pages, one selector per
article, no pipeline) and by ``kpu-archive crawl --all`` into a fresh SQLite archive, alternately,
``--rounds`` times; each in its own process, measured by ``wait4`` (user + system CPU, peak RSS).
The CPU ratio is the median of each round's ratio (the two runs of a round ran back to back).
Both use the project's politeness settings with the download delay at 0.  The bare spider keeps
Scrapy's own extensions; the project leaves out Scrapy 2.19's remote control (its import is
aiohttp.web, ~10 MB), so one more run of the bare spider without it gives the RSS ratio on equal
extensions as well.  With ``--prefill N`` every project run crawls into a copy of an archive that
already holds N synthetic posts (built as ``search_export_1m.py`` builds its archive): peak memory
is meant to stay flat in the archive's size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawlers.sample.server import demo_world, write_registry

BARE = """
import os
import sys
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor

class Bare(scrapy.Spider):
    name = "bare"
    start_urls = sys.argv[1:]
    listings = LinkExtractor(allow=[r"/blog/category/"])
    articles = LinkExtractor(allow=[r"/blog/read/"])

    def parse(self, response):
        for link in self.listings.extract_links(response):
            yield response.follow(link, self.parse)
        for link in self.articles.extract_links(response):
            yield response.follow(link, self.parse_article)

    def parse_article(self, response):
        yield {"url": response.url, "title": response.css("h1::text").get()}

settings = {key: value for key, value in vars(__import__("crawlers.settings", fromlist=["x"])).items() if key.isupper()}
for key in ("ITEM_PIPELINES", "EXTENSIONS", "SPIDER_MODULES", "NEWSPIDER_MODULE"):
    settings.pop(key, None)
if not os.environ.get("BARE_PROJECT_EXTENSIONS"):  # Scrapy's own extensions, remote control and all
    settings.pop("EXTENSIONS_BASE", None)
settings.update(LOG_LEVEL="WARNING", DOWNLOAD_DELAY=0)
process = CrawlerProcess(settings)
process.crawl(Bare)
process.start()
"""


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(CPU seconds, peak RSS in MiB, wall seconds) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{command[:4]} failed: {process.stderr.read().decode()[-500:] if process.stderr else status}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300, help="synthetic posts per site")
    parser.add_argument("--rounds", type=int, default=3, help="back-to-back pairs of runs")
    parser.add_argument("--prefill", type=int, default=0, help="posts already in the archive the project crawls into")
    args = parser.parse_args()
    world = demo_world(args.posts, per_page=10)
    folder = Path(tempfile.mkdtemp(prefix="kpu-cpu-"))
    (folder / "bare.py").write_text(BARE, encoding="utf-8")
    prefilled = folder / "prefilled.db"
    if args.prefill:  # in a child: Linux keeps a parent's peak RSS in the ru_maxrss of what it forks
        here = Path(__file__).resolve().parent
        code = f"import sys; sys.path[:0] = [{str(here)!r}, {str(here.parent)!r}]; import search_export_1m as s; "
        subprocess.run([sys.executable, "-c", code + f"s.build('sqlite:///{prefilled}', {args.prefill})"], check=True)
    env = {**os.environ, "KPU_DOWNLOAD_DELAY": "0", "KPU_ARCHIVE_DB": "", "PYTHONPATH": str(Path.cwd())}
    results: dict[str, list[tuple[float, float, float]]] = {"bare Scrapy": [], "kpu-archive": []}
    with world.serve() as base_urls:
        registry = write_registry(folder / "sites.csv", world, base_urls)
        for round_number in range(args.rounds):
            before = len(world.requests)
            results["bare Scrapy"].append(measure([sys.executable, str(folder / "bare.py"), *base_urls.values()], env))
            bare_requests = len(world.requests) - before
            db = folder / f"archive-{round_number}.db"
            if args.prefill:
                shutil.copyfile(prefilled, db)
            before = len(world.requests)
            command = [sys.executable, "-m", "archive", "crawl", "--all", "--registry", str(registry), "--db", str(db)]
            results["kpu-archive"].append(measure(command, env))
            ours_requests = len(world.requests) - before
        _, lean_bare_rss, _ = measure(
            [sys.executable, str(folder / "bare.py"), *base_urls.values()], {**env, "BARE_PROJECT_EXTENSIONS": "1"}
        )
    articles = len(world.articles)
    print(
        f"{articles} articles on {len(world.sites)} sites; requests: bare {bare_requests}, kpu-archive {ours_requests}"
        + (f"; the archive held {args.prefill} posts before each project run" if args.prefill else "")
    )
    best = {name: min(runs) for name, runs in results.items()}  # the least disturbed run of each
    for name, (cpu, rss, wall) in best.items():
        print(
            f"{name:<12} {cpu * 1000 / articles:6.2f} ms CPU per article  peak RSS {rss:6.1f} MiB  wall {wall:5.1f} s"
        )
    # this machine's speed drifts by 10-20% over minutes: each round's pair ran back to back, so
    # the ratio is the median of the rounds' own ratios, not a ratio of minima taken at other times
    ratios = [ours[0] / bare[0] for bare, ours in zip(results["bare Scrapy"], results["kpu-archive"], strict=True)]
    (_, bare_rss, _), (_, our_rss, _) = best["bare Scrapy"], best["kpu-archive"]
    print("rounds       CPU " + " ".join(f"{r:.2f}x" for r in ratios))
    print(f"ratio        CPU {statistics.median(ratios):.2f}x (median of rounds)  peak RSS {our_rss / bare_rss:.2f}x")
    print(
        f"bare Scrapy without its remote control: peak RSS {lean_bare_rss:.1f} MiB;"
        f" kpu-archive {our_rss / lean_bare_rss:.2f}x of that"
    )


if __name__ == "__main__":
    main()
