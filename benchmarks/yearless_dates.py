"""Year-less dates on a generated site with 13 years of posts, crawled by the real CLI.

    python benchmarks/yearless_dates.py [--seed 1] [--per-month 4] [--per-page 10] [--slug-urls]

About a quarter of the posts state their date without a year (``Kamis (4/12)``, ``Sleman (13/09) -``),
in runs (``crawlers/sample/timeline.py``).  The site is served on 127.0.0.1 and crawled with
``kpu-archive crawl``; the export is scored against the true dates: right, left undated
(``day-month``, no timestamp) and wrong (an invented date).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawlers.sample.server import write_registry
from crawlers.sample.timeline import decade_world, score


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-month", type=int, default=4)
    parser.add_argument("--per-page", type=int, default=10)
    parser.add_argument("--slug-urls", action="store_true", help="no numeric ids: only the listings date a post")
    args = parser.parse_args()
    world, truth = decade_world(
        seed=args.seed, per_month=args.per_month, per_page=args.per_page, numeric_ids=not args.slug_urls
    )
    env = {**os.environ, "KPU_ARCHIVE_DB": "", "KPU_DOWNLOAD_DELAY": "0"}
    with tempfile.TemporaryDirectory() as folder, world.serve() as base_urls:
        registry = write_registry(Path(folder) / "sites.csv", world, base_urls)
        db = str(Path(folder) / "archive.db")
        started = time.monotonic()
        crawl = ["crawl", "--all", "--registry", str(registry), "--db", db]
        subprocess.run([sys.executable, "-m", "archive", *crawl], env=env, check=True, capture_output=True)
        exported = subprocess.run([sys.executable, "-m", "archive", "export", "--db", db, "--format", "jsonl"],
                                  env=env, check=True, capture_output=True, text=True).stdout  # fmt: skip
        elapsed = time.monotonic() - started
    counts = score([json.loads(line) for line in exported.splitlines()], truth)
    share = counts["right"] / max(1, counts["yearless"])
    print(f"posts {len(truth)}  year-less {counts['yearless']}  crawled and exported in {elapsed:.1f} s")
    print(f"right {counts['right']} ({share:.1%})  undated {counts['undated']}  wrong {counts['wrong']}  "
          f"stated dates wrong {counts['stated_wrong']}")  # fmt: skip


if __name__ == "__main__":
    main()
