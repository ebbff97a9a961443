"""Articles per second for a full crawl of a local sample world (3 sites, N posts each).

    python benchmarks/crawl_e2e.py [--posts 200]

Runs the real ``kpu-archive crawl`` against 127.0.0.1 with KPU_DOWNLOAD_DELAY=0 (no politeness
delay: this measures our CPU path, not the sites), and prints wall time and articles/s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawlers.sample.server import demo_world, write_registry


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=200, help="synthetic posts per site")
    args = parser.parse_args()
    world = demo_world(args.posts, per_page=10)
    articles = world.articles
    folder = Path(tempfile.mkdtemp(prefix="kpu-bench-"))
    env = {**os.environ, "KPU_DOWNLOAD_DELAY": "0", "KPU_ARCHIVE_DB": ""}
    with world.serve() as base_urls:
        registry = write_registry(folder / "sites.csv", world, base_urls)
        start = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "archive",
                "crawl",
                "--all",
                "--registry",
                str(registry),
                "--db",
                str(folder / "bench.db"),
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        elapsed = time.perf_counter() - start
    print(result.stdout.splitlines()[1] if result.returncode == 0 else result.stderr)
    print(
        f"{len(articles)} articles, {len(world.requests)} requests in {elapsed:.1f} s wall "
        f"(process start included): {len(articles) / elapsed:.1f} articles/s, "
        f"{len(world.requests) / elapsed:.1f} requests/s"
    )


if __name__ == "__main__":
    main()
