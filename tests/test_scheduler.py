"""The scheduler: staggering, catch-up after downtime, no overlap, failed children, one per archive.

Mechanics tests run the real ``ArchiveScheduler`` in-process with a stand-in crawl command (a tiny
script that logs its arguments and sleeps or hangs as told), so they take seconds.  The end-to-end
tests at the bottom run ``kpu-archive schedule`` with real crawls against the local test server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import kpu_archive
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from archive.scheduler.config import ConfigError, ScheduleConfig, load_config, parse_duration
from archive.scheduler.lock import SchedulerError
from archive.scheduler.service import ANCHOR, JOBS_TABLE, ArchiveScheduler, plan
from archive.storage.db import open_engine
from archive.storage.models import Article, CrawlRun, JobRun
from crawlers.sample.pages import SampleSite
from crawlers.sample.server import SampleWorld, filler, write_registry

HOSTS = ["kab-ngawi.kpu.go.id", "kab-madiun.kpu.go.id", "kota-palu.kpu.go.id"]
FAKE_CRAWL = """
import json, os, sys, time
args = sys.argv[1:]
site = args[args.index("--site") + 1]
kind = "full" if "--full" in args else "recheck" if "--recheck" in args else "incremental"
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps({"start": time.time(), "site": site, "kind": kind, "pid": os.getpid()}) + "\\n")
hang = os.environ.get("FAKE_HANG_ONCE")
if hang and not os.path.exists(hang):
    open(hang, "w").close()
    time.sleep(60)
time.sleep(float(os.environ.get("FAKE_SLEEP", "0")))
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps({"end": time.time(), "site": site, "kind": kind, "pid": os.getpid()}) + "\\n")
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    script = tmp_path / "fake_crawl.py"
    script.write_text(FAKE_CRAWL)
    log = tmp_path / "fake.jsonl"
    monkeypatch.setenv("FAKE_LOG", str(log))
    config = ScheduleConfig(
        crawl_command=(sys.executable, str(script)),
        log_dir=tmp_path / "logs",
        incremental_every=timedelta(hours=1),
        full_every=timedelta(days=7),
        recheck_every=timedelta(days=1),
        stop_grace=timedelta(seconds=5),
    )
    db = f"sqlite:///{tmp_path / 'archive.db'}"

    def events() -> list[dict]:
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    return config, db, events


def run_for(scheduler: ArchiveScheduler, seconds: float) -> None:
    scheduler.start()
    try:
        time.sleep(seconds)
    finally:
        scheduler.stop()


def test_plan_spreads_sites_evenly_and_is_stable() -> None:
    config = ScheduleConfig(incremental_every=timedelta(hours=6), full_every=timedelta(days=7))
    hosts = [f"kab-{i:03d}.kpu.go.id" for i in range(550)]
    specs = plan(config, hosts)
    incremental = sorted(s.offset for s in specs if s.kind == "incremental")
    full = sorted(s.offset for s in specs if s.kind == "full")
    assert len(incremental) == len(full) == 550 and [s.id for s in specs if s.kind == "recheck"] == ["recheck"]
    steps = {round((b - a).total_seconds(), 3) for a, b in zip(incremental, incremental[1:], strict=False)}
    assert steps == {round(6 * 3600 / 550, 3)}  # about 39 s apart, never 550 on the hour
    assert full[-1] < timedelta(days=7) and round((full[1] - full[0]).total_seconds()) == round(7 * 86400 / 550)
    assert plan(config, list(reversed(hosts))) == specs  # the same offsets whatever the order


def test_config_file_then_flags(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        '[schedule]\nincremental_every = "3h"\nrecheck_limit = 50\n[limits]\nmax_parallel = 2\n'
        '[sites]\nexclude = ["kab-ngawi"]\n[logs]\ndir = "L"\nkeep = 3\n'
    )
    config = load_config(path, incremental_every="90m", max_parallel=None)
    assert config.incremental_every == timedelta(minutes=90) and config.recheck_limit == 50
    assert config.max_parallel == 2 and config.exclude == ("kab-ngawi",) and config.keep_logs == 3
    assert config.log_dir == Path("L")
    for bad, phrase in (
        ('[schedule]\nincremental_every = "soon"\n', "not a duration"),
        ("[schedule]\nevery = 1\n", "unknown setting"),
        ("[nope]\n", "unknown section"),
        ("[limits]\nmax_parallel = 0\n", "at least 1"),
        ("x = [", "not valid TOML"),
    ):
        path.write_text(bad)
        with pytest.raises(ConfigError, match=phrase):
            load_config(path)
    assert parse_duration("7d", "x") == timedelta(days=7)


def test_jobs_fire_staggered(fake) -> None:  # type: ignore[no-untyped-def]
    config, db, events = fake
    config = replace(config, incremental_every=timedelta(seconds=3))
    run_for(ArchiveScheduler(config, db, HOSTS), 4.2)
    starts = [e for e in events() if "start" in e and e["kind"] == "incremental"]
    assert {e["site"] for e in starts} == set(HOSTS)
    firsts = sorted(min(e["start"] for e in starts if e["site"] == h) for h in HOSTS)
    gaps = [b - a for a, b in zip(firsts, firsts[1:], strict=False)]
    assert all(0.6 < g < 1.4 for g in gaps), gaps  # 3 sites over 3 s: one a second
    with Session(open_engine(db)) as session:
        rows = session.scalars(select(JobRun)).all()
        assert rows and {r.status for r in rows} == {"ok"} and all(Path(r.log_path).exists() for r in rows)


def test_after_downtime_each_job_catches_up_once(fake) -> None:  # type: ignore[no-untyped-def]
    config, db, events = fake
    before = ArchiveScheduler(config, db, HOSTS)
    before.start()
    before.scheduler.pause()
    for job in before.scheduler.get_jobs():  # as the job store stands when the machine went off a day ago
        job.modify(next_run_time=datetime.now(UTC) - timedelta(days=1))
    before.stop()
    assert events() == []
    with open_engine(db).begin() as conn:
        due = conn.execute(
            text(f"SELECT count(*) FROM {JOBS_TABLE} WHERE next_run_time < :t"), {"t": time.time() - 3600}
        ).scalar()
    assert due == 2 * len(HOSTS) + 1
    run_for(ArchiveScheduler(config, db, HOSTS), 4)
    starts = [(e["kind"], e["site"]) for e in events() if "start" in e]
    assert len(starts) == 2 * len(HOSTS) + 1  # every job once: 24 missed hourly runs coalesced into one
    assert len(set(starts)) == len(starts)


def test_restart_keeps_the_schedule_and_drops_disabled_sites(fake) -> None:  # type: ignore[no-untyped-def]
    config, db, _ = fake
    first = ArchiveScheduler(config, db, HOSTS)
    first.start()
    first.scheduler.pause()
    moved = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    first.scheduler.get_job(f"incremental:{HOSTS[0]}").modify(next_run_time=moved)
    before = dict(first.next_runs(100))
    first.stop()
    second = ArchiveScheduler(config, db, HOSTS)
    second.start()
    after = dict(second.next_runs(100))
    second.stop()
    assert after == before and after[f"incremental:{HOSTS[0]}"] == moved  # read back, not recomputed
    third = ArchiveScheduler(config, db, HOSTS[:2])  # one site disabled
    third.start()
    jobs = dict(third.next_runs(100))
    third.stop()
    assert len(jobs) == 2 * 2 + 1 and not [j for j in jobs if HOSTS[2] in j]
    for when in jobs.values():
        assert when.tzinfo is not None and when > datetime.now(UTC) - timedelta(seconds=5)
        assert when >= ANCHOR


def test_an_overlapping_run_is_refused(fake, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    config, db, events = fake
    monkeypatch.setenv("FAKE_SLEEP", "2.5")
    config = replace(config, incremental_every=timedelta(seconds=1))
    run_for(ArchiveScheduler(config, db, HOSTS[:1]), 4.5)
    log = [e for e in events() if e["kind"] == "incremental"]
    open_start = None
    for e in log:
        if "start" in e:
            assert open_start is None, "a second instance started while the first ran"
            open_start = e["start"]
        else:
            open_start = None
    assert 1 <= len([e for e in log if "start" in e]) <= 2  # not one per second


def test_a_hung_crawl_is_stopped_recorded_and_the_next_goes_ahead(
    fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    config, db, events = fake
    monkeypatch.setenv("FAKE_HANG_ONCE", str(tmp_path / "hung"))
    config = replace(config, incremental_every=timedelta(seconds=2), crawl_timeout=timedelta(seconds=1))
    run_for(ArchiveScheduler(config, db, HOSTS[:1]), 5)
    with Session(open_engine(db)) as session:
        statuses = [r.status for r in session.scalars(select(JobRun).order_by(JobRun.id))]
    assert statuses[0] == "timeout" and "ok" in statuses[1:], statuses


def test_a_crashing_crawl_is_recorded_as_failed(fake, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    config, db, _ = fake
    monkeypatch.setenv("FAKE_EXIT", "3")
    config = replace(config, incremental_every=timedelta(seconds=1))
    run_for(ArchiveScheduler(config, db, HOSTS[:1]), 2.5)
    with Session(open_engine(db)) as session:
        rows = session.scalars(select(JobRun)).all()
    assert len(rows) >= 2 and {(r.status, r.exit_code) for r in rows} == {("failed", 3)}


def test_a_second_scheduler_on_the_same_archive_is_refused(fake) -> None:  # type: ignore[no-untyped-def]
    config, db, _ = fake
    first = ArchiveScheduler(config, db, HOSTS)
    first.start()
    try:
        with pytest.raises(SchedulerError, match="already running"):
            ArchiveScheduler(config, db, HOSTS).start()
    finally:
        first.stop()
    second = ArchiveScheduler(config, db, HOSTS)  # free again once the first stopped
    second.start()
    second.stop()


def test_a_second_scheduler_on_postgresql_is_refused(fake, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    config, _, _ = fake
    first = ArchiveScheduler(config, pg_url, HOSTS)
    first.start()
    try:
        with pytest.raises(SchedulerError, match="already running"):
            ArchiveScheduler(config, pg_url, HOSTS).start()
    finally:
        first.stop()


# ---- end to end: the real command, real crawls ---------------------------------------------------

SITES = [
    SampleSite("kab-ngawi.kpu.go.id", "KPU Kabupaten Ngawi", {"104": "Berita Terkini"}),
    SampleSite("kota-palu.kpu.go.id", "KPU Kota Palu", {"104": "Berita Terkini"}, variant="b"),
]


def kpu_archive_env() -> dict[str, str]:
    """For the long-running ``schedule`` processes these tests start and signal themselves."""
    return {**os.environ, "KPU_DOWNLOAD_DELAY": "0", "KPU_ARCHIVE_DB": ""}


def test_schedule_follows_a_growing_site_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    world = SampleWorld(sites=SITES, articles=[a for s in SITES for a in filler(s, 3)], per_page=3)
    db = str(tmp_path / "archive.db")
    with world.serve() as base_urls:
        registry = write_registry(tmp_path / "sites.csv", world, base_urls)
        command = [
            sys.executable,
            "-m",
            "archive",
            "schedule",
            "--registry",
            str(registry),
            "--db",
            db,
            "--incremental-every",
            "3s",
            "--recheck-every",
            "1h",
            "--full-every",
            "1d",
            "--log-dir",
            str(tmp_path / "logs"),
            "--stop-grace",
            "20s",
        ]
        process = subprocess.Popen(command, env=kpu_archive_env(), stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(2)
            second = subprocess.run(command, env=kpu_archive_env(), capture_output=True, text=True, timeout=60)
            assert second.returncode == 2 and "already running" in second.stderr
            assert second.stderr.count("\n") == 1
            for round_ in range(3):  # the sites keep publishing
                for site in SITES:
                    post = filler(site, 1, start_id=7000 + round_)[0]
                    post.slug, post.title = f"kabar-{round_}", f"Kabar Terbaru {round_} {site.name}"
                    world.articles.insert(0, post)
                time.sleep(3.5)
            time.sleep(4)
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "stopped" in err
    engine = open_engine(db)
    with Session(engine) as session:
        assert session.scalar(select(func.count(Article.id))) == len(world.articles) == 12
        statuses = set(session.scalars(select(JobRun.status)))
        assert statuses <= {"ok", "stopped"} and "ok" in statuses
        assert session.scalar(select(func.count(CrawlRun.id)).where(CrawlRun.status == "running")) == 0
    engine.dispose()
    logs = list((tmp_path / "logs").glob("incremental-*/*.log"))
    assert logs and (tmp_path / "logs" / "scheduler.log").exists()


def test_sigterm_during_a_crawl_lets_it_store_what_it_fetched(tmp_path: Path) -> None:
    world = SampleWorld(sites=SITES[:1], articles=filler(SITES[0], 40), per_page=5)
    db = str(tmp_path / "archive.db")
    # a slow crawl (politeness delay) that commits every 5 articles
    env = {**kpu_archive_env(), "KPU_DOWNLOAD_DELAY": "0.2", "KPU_BATCH_SIZE": "5"}
    with world.serve() as base_urls:
        registry = write_registry(tmp_path / "sites.csv", world, base_urls)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "archive",
                "schedule",
                "--registry",
                str(registry),
                "--db",
                db,
                "--incremental-every",
                "10s",
                "--log-dir",
                str(tmp_path / "logs"),
                "--stop-grace",
                "1s",
            ],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        engine = open_engine(db)
        seen = 0
        try:
            deadline = time.monotonic() + 60
            while not seen and time.monotonic() < deadline:  # the first crawl starts within 10 s
                time.sleep(0.3)
                with Session(engine) as session:
                    seen = session.scalar(select(func.count(Article.id))) or 0
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    with Session(engine) as session:
        stored = session.scalar(select(func.count(Article.id))) or 0
        run = session.scalars(select(CrawlRun)).one()
        job = session.scalars(select(JobRun)).one()
    engine.dispose()
    assert 0 < seen <= stored < 40  # stopped part way, and what it had fetched was stored
    assert run.status == "stopped: shutdown" and run.finished_at is not None
    assert job.status == "stopped"


def test_status_tells_the_truth_about_a_site_that_is_down(tmp_path: Path) -> None:
    world = SampleWorld(sites=SITES, articles=[a for s in SITES for a in filler(s, 4)], per_page=2)
    db = str(tmp_path / "archive.db")
    with world.serve() as base_urls:
        registry = write_registry(tmp_path / "sites.csv", world, base_urls)
        args = ["crawl", "--all", "--registry", str(registry), "--db", db]
        assert kpu_archive(*args).returncode == 0
        healthy = kpu_archive("status", "--db", db)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    with world.serve() as base_urls:  # kota-palu goes down: its port no longer answers
        registry = write_registry(tmp_path / "sites.csv", world, base_urls)
        registry.write_text("\n".join(re_point(line) for line in registry.read_text().splitlines()) + "\n")
        for _ in range(2):
            assert kpu_archive(*args).returncode == 0
    down = kpu_archive("status", "--db", db, "--json")
    assert down.returncode == 1
    report = {s["host"]: s for s in json.loads(down.stdout)["sites"]}
    assert json.loads(down.stdout)["failing"] == ["kota-palu.kpu.go.id"]
    palu, ngawi = report["kota-palu.kpu.go.id"], report["kab-ngawi.kpu.go.id"]
    assert palu["consecutive_failures"] == 2 and palu["last_run_status"] == "failed" and palu["failing"]
    assert palu["last_success"] is not None and palu["articles"] == 4
    assert ngawi["consecutive_failures"] == 0 and not ngawi["failing"]
    table = kpu_archive("status", "--db", db)
    assert table.returncode == 1 and "1 failing: kota-palu.kpu.go.id" in table.stderr


def re_point(line: str) -> str:
    """Point kota-palu's base_url at a port nothing listens on."""
    if line.startswith("kota-palu.kpu.go.id,"):
        return line.rsplit(",", 1)[0] + ",http://127.0.0.1:9"
    return line


def test_status_flags_silent_sites_and_changed_templates(tmp_path: Path) -> None:
    from archive.domain.sites import load_registry
    from archive.ingest import register_sites
    from archive.read.status import site_statuses

    engine = open_engine(str(tmp_path / "a.db"))
    registry = load_registry()
    site_ids = register_sites(engine, [registry["kab-ngawi"], registry["kota-palu"]])
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with engine.begin() as conn:
        for i in range(6):  # both sites posted every 2 days until 90 days ago (palu) / yesterday (ngawi)
            for host, last in (
                ("kab-ngawi.kpu.go.id", now - timedelta(days=1)),
                ("kota-palu.kpu.go.id", now - timedelta(days=90)),
            ):
                site_id = site_ids[host]
                when = last - timedelta(days=2 * i)
                conn.execute(
                    text(
                        "INSERT INTO articles (site_id, native_id, url, category_source, title_source, "
                        "body_text, body_html, hashtags, images, attachments, see_also, published_source,"
                        " content_sha256, first_seen_at, last_seen_at, fetched_at, published_at) VALUES "
                        "(:s, :n, :u, 'none', 'none', '', '', '[]', '[]', '[]', '[]', 'body', 'x', :t, "
                        ":t, :t, :t)"
                    ),
                    {"s": site_id, "n": str(i), "u": f"https://{host}/blog/read/{i}_x", "t": when.replace(tzinfo=None)},
                )
    with Session(engine) as session, session.begin():
        for i, listed in enumerate((12, 11, 0)):  # ngawi's listings went empty in the last run
            session.add(
                CrawlRun(
                    started_at=now - timedelta(hours=3 - i),
                    finished_at=now - timedelta(hours=3 - i),
                    status="finished",
                    mode="incremental",
                    sites=["kab-ngawi.kpu.go.id"],
                    per_site={"kab-ngawi.kpu.go.id": {"pages": 3, "listed": listed}},
                )
            )
    report = {s.host: s for s in site_statuses(engine, now=now)}
    assert report["kota-palu.kpu.go.id"].flags == ["silent"] and not report["kota-palu.kpu.go.id"].failing
    assert report["kab-ngawi.kpu.go.id"].flags == ["template-changed"] and report["kab-ngawi.kpu.go.id"].failing
    assert report["kab-ngawi.kpu.go.id"].articles == 6
    with Session(engine) as session, session.begin():
        session.execute(update(CrawlRun).values(status="failed: timeout"))
    assert site_statuses(engine, now=now)[0].consecutive_failures == 3
    engine.dispose()
