"""What provenance costs per article: CPU and disk of WARC output and of attachments, in one run.

    python benchmarks/provenance_cost.py [--posts 200] [--rounds 2]

The local sample world (three sites on 127.0.0.1, N synthetic posts each, every post linking one
PDF of 1-4 pages, a third of them the same decree re-posted across the sites) is crawled four ways,
each into a fresh SQLite archive in its own process: plain (``--no-attachments``), ``--warc`` alone,
attachments alone, and both.  CPU is user + system time from ``wait4``; disk is the size of the
archive file, the WARC folder and the attachment store.  Figures are per archived article, the best
of ``--rounds``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from crawlers.sample.documents import tiny_pdf
from crawlers.sample.server import demo_world, write_registry

MODES = {
    "plain": ["--no-attachments"],
    "WARC": ["--no-attachments", "--warc", "{warc}"],
    "attachments": [],
    "WARC + attachments": ["--warc", "{warc}"],
}


def size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200, help="synthetic posts per site")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    world = demo_world(args.posts, per_page=10)
    decree = tiny_pdf([f"Keputusan KPU nomor 7 bagian {k}: " + "ketentuan umum pemilihan " * 40 for k in range(3)])
    for n, article in enumerate(a for a in world.articles if a.extra.get("synthetic")):
        shared = n % 3 == 0
        path = "/storage/files/keputusan-7.pdf" if shared else f"/storage/files/lampiran-{n}.pdf"
        article.blocks.append({"attachment": path, "text": "Unduh lampiran", "before": "Selengkapnya: "})
        body = (
            decree
            if shared
            else tiny_pdf([f"Lampiran {n} halaman {k}: " + "daftar nama " * 60 for k in range(1 + n % 4)])
        )
        world.files[(article.host, path)] = ("application/pdf", body)
    folder = Path(tempfile.mkdtemp(prefix="kpu-provenance-"))
    env = {**os.environ, "KPU_DOWNLOAD_DELAY": "0", "KPU_ARCHIVE_DB": "", "PYTHONPATH": str(Path.cwd())}
    best: dict[str, tuple[float, int, int, int]] = {}
    with world.serve() as base_urls:
        registry = write_registry(folder / "sites.csv", world, base_urls)
        for round_number in range(args.rounds):
            for mode, flags in MODES.items():
                run = folder / f"{mode.replace(' ', '').replace('+', '-')}-{round_number}"
                run.mkdir()
                db, warc = run / "archive.db", run / "warc"
                command = [sys.executable, "-m", "archive", "crawl", "--all", "--registry", str(registry),
                           "--db", str(db), *(f.format(warc=warc) for f in flags)]  # fmt: skip
                process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                _, status, usage = os.wait4(process.pid, 0)
                if status != 0:
                    raise SystemExit(
                        f"{mode} failed: {process.stderr.read().decode()[-500:] if process.stderr else ''}"
                    )
                cpu = usage.ru_utime + usage.ru_stime
                sizes = (size(db), size(warc), size(run / "archive-attachments"))
                if mode not in best or cpu < best[mode][0]:
                    best[mode] = (cpu, *sizes)
    articles = len(world.articles)
    files = len({body for _, body in world.files.values()})
    print(
        f"{articles} articles on {len(world.sites)} sites, {len(world.files)} attachment links, {files} distinct files"
    )
    print(f"{'mode':<20} {'CPU ms/article':>15} {'archive KB/art':>15} {'WARC KB/art':>12} {'files KB/art':>13}")
    plain_cpu = best["plain"][0]
    for mode, (cpu, db_bytes, warc_bytes, file_bytes) in best.items():
        print(f"{mode:<20} {cpu * 1000 / articles:9.2f} ({cpu / plain_cpu:4.2f}x) {db_bytes / 1024 / articles:15.1f} "
              f"{warc_bytes / 1024 / articles:12.1f} {file_bytes / 1024 / articles:13.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
