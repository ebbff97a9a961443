"""``kpu-archive demo``: the newcomer's first archive stays where it says, holds a syndicated
release, and ``--serve`` keeps the sample sites up for ``crawl`` and ``schedule``."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import kpu_archive


def test_demo_leaves_its_archive_and_a_cluster(tmp_path: Path) -> None:
    db = tmp_path / "mine.db"
    result = kpu_archive("demo", "--db", str(db), timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"archive: {db}" in result.stdout
    rows = list(csv.DictReader(io.StringIO(kpu_archive("export", "--db", str(db)).stdout)))
    assert len(rows) == 19
    clusters = kpu_archive("clusters", "--db", str(db))
    assert "3 copies on 3 sites" in clusters.stdout, clusters.stdout + clusters.stderr


def test_demo_defaults_to_a_file_in_the_current_folder(tmp_path: Path) -> None:
    env = {**os.environ, "KPU_ARCHIVE_DB": "", "KPU_DOWNLOAD_DELAY": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "archive", "demo"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "kpu-archive-demo.db").is_file()


def test_demo_serve_keeps_the_sample_sites_up(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    env = {**os.environ, "KPU_ARCHIVE_DB": "", "KPU_DOWNLOAD_DELAY": "0", "PYTHONUNBUFFERED": "1"}
    demo = subprocess.Popen(
        [sys.executable, "-m", "archive", "demo", "--serve", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = demo.stdout.readline()  # type: ignore[union-attr]
            lines.append(line)
            if line.strip().startswith("kpu-archive schedule --registry"):
                break
        command = next(line for line in lines if line.strip().startswith("kpu-archive crawl --all --registry"))
        registry = re.search(r"--registry (\S+)", command).group(1)  # type: ignore[union-attr]
        again = kpu_archive("crawl", "--all", "--registry", registry, "--db", str(db))
        assert again.returncode == 0, again.stderr
        assert "articles new 0  updated 0" in again.stdout and "errors 0" in again.stdout.splitlines()[1]
    finally:
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=30) == 0


def test_doctor_shows_each_layer_on_a_live_site(tmp_path: Path) -> None:
    import json

    from crawlers.sample.server import demo_world, write_registry

    world = demo_world()
    with world.serve() as base_urls:
        registry = write_registry(tmp_path / "sites.csv", world, base_urls)
        result = kpu_archive("doctor", "--site", "kota-singkawang", "--registry", str(registry), "--format", "json")
        table = kpu_archive("doctor", "--site", "kota-singkawang", "--registry", str(registry), "--articles", "1")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["listed"] > 0 and len(report["articles"]) == 3
    for item in report["articles"]:
        assert item["chosen"] == "cms" and item["layers"]["cms"]["checks"]["body"] is True
        assert item["layers"]["generic"]["chars"] > 0  # both layers are shown, whichever wins
    assert table.returncode == 0 and "*cms" in table.stdout
    down = kpu_archive("doctor", "--site", "kota-singkawang", "--registry", str(registry))
    assert down.returncode == 2 and "cannot fetch" in down.stderr  # the sample sites are gone now
