"""Keep the archive current, unattended: APScheduler 3 jobs that start crawls in child processes.

Jobs (ids are stable, so a restart finds its schedule in the job store):

* ``incremental:{host}``: every ``incremental_every``; site *i* of *n* is offset by
  ``i/n × incremental_every`` from a fixed anchor, so 550 sites are spread evenly over the window;
* ``full:{host}``: every ``full_every``, offset the same way across that window;
* ``recheck``: every ``recheck_every``, one pass over all enabled sites with ``recheck_limit``.

Jobs live in an SQLAlchemyJobStore in the archive database, with ``coalesce=True``,
``max_instances=1`` and a misfire grace equal to the job's interval: after a day switched off, each
job runs once, not once per missed slot.  Every crawl is a child process (Scrapy's reactor cannot
restart in one process) with a time limit; a crawl that crashes or hangs is stopped, recorded in
``job_runs`` as failed, and the scheduler carries on.  ``max_parallel`` bounds the crawl processes.
One scheduler per archive: a file lock next to a SQLite archive, an advisory lock on PostgreSQL.
On SIGTERM or SIGINT no new crawl starts; running ones get ``stop_grace`` to finish, then a SIGTERM
(Scrapy then stops cleanly and the pipeline stores what was fetched), then SIGKILL.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Engine, insert, update

from archive.scheduler.config import ScheduleConfig
from archive.scheduler.lock import ArchiveLock
from archive.storage.db import open_engine
from archive.storage.models import CrawlRun, JobRun, utcnow
from archive.vocab import Table

log = logging.getLogger("kpu-archive.scheduler")

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)  # offsets count from here, so they survive restarts
JOBS_TABLE = Table.SCHEDULER_JOBS.value
TERM_WAIT = 60.0  # seconds a crawl gets to close cleanly after SIGTERM before SIGKILL


# ---- the job function and what it runs in ------------------------------------------------------


@dataclass
class Runtime:
    """What job functions need; jobs in the store hold only (kind, hosts)."""

    config: ScheduleConfig
    db_url: str
    engine: Engine
    stopping: threading.Event = field(default_factory=threading.Event)
    children: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    busy_hosts: set[str] = field(default_factory=set)
    signalled: set[int] = field(default_factory=set)  # children the scheduler itself told to stop
    guard: threading.Lock = field(default_factory=threading.Lock)


_runtime: Runtime | None = None


def job_id(kind: str, host: str | None = None) -> str:
    return f"{kind}:{host}" if host else kind


def run_job(kind: str, hosts: list[str]) -> str:
    """Run one crawl as a child process and record how it ended (the scheduler's job function)."""
    rt = _runtime
    if rt is None or rt.stopping.is_set():
        return "stopped"
    name = job_id(kind, hosts[0] if kind != "recheck" else None)
    # an incremental and a full crawl of one site never overlap: an incremental that finds the site
    # busy is skipped (the running crawl covers it); a full crawl waits its turn
    exclusive = [] if kind == "recheck" else hosts
    deadline = time.monotonic() + rt.config.crawl_timeout.total_seconds()
    while True:
        with rt.guard:
            if not any(h in rt.busy_hosts for h in exclusive):
                rt.busy_hosts.update(exclusive)
                break
        if kind != "full" or rt.stopping.is_set() or time.monotonic() > deadline:
            log.info("%s: skipped, another crawl of the site is running", name)
            return "skipped"
        time.sleep(0.5)
    try:
        return _run_child(rt, kind, name, hosts)
    finally:
        with rt.guard:
            rt.busy_hosts.difference_update(exclusive)


def _run_child(rt: Runtime, kind: str, name: str, hosts: list[str]) -> str:
    config = rt.config
    folder = config.log_dir / name.replace(":", "-")
    folder.mkdir(parents=True, exist_ok=True)
    started = utcnow()
    log_path = folder / f"{started:%Y%m%dT%H%M%S%fZ}.log"
    _rotate(folder, config.keep_logs - 1)
    command = crawl_command(config, rt.db_url, kind, hosts)
    with rt.engine.begin() as conn:
        job_run = conn.execute(
            insert(JobRun).returning(JobRun.id),
            {
                "job_id": name,
                "kind": kind,
                "hosts": hosts,
                "started_at": started,
                "status": "running",
                "log_path": str(log_path),
            },
        ).scalar_one()
    run_id_file = Path(tempfile.mkstemp(prefix="kpu-run-", suffix=".id")[1])
    env = {**os.environ, "KPU_RUN_ID_FILE": str(run_id_file), "KPU_PROGRESS_INTERVAL": "60"}
    log.info("%s: starting crawl (job run %d, log %s)", name, job_run, log_path)
    with log_path.open("ab") as out:
        out.write(f"# {' '.join(command)}\n".encode())
        out.flush()
        status, code = _wait_for_child(rt, name, command, out, env)
    crawl_run = _read_run_id(run_id_file)
    with rt.engine.begin() as conn:
        conn.execute(
            update(JobRun)
            .where(JobRun.id == job_run)
            .values(finished_at=utcnow(), status=status, exit_code=code, crawl_run_id=crawl_run)
        )
        if crawl_run is not None and status != "ok":  # a killed child never closed its run row
            conn.execute(
                update(CrawlRun)
                .where(CrawlRun.id == crawl_run, CrawlRun.status == "running")
                .values(status=f"failed: {status}", finished_at=utcnow())
            )
    log.log(logging.INFO if status == "ok" else logging.WARNING, "%s: %s (exit %s)", name, status, code)
    return status


def crawl_command(config: ScheduleConfig, db_url: str, kind: str, hosts: list[str]) -> list[str]:
    """The ``kpu-archive crawl`` a job runs."""
    command = [*config.crawl_command, "--db", db_url]
    for host in hosts:
        command += ["--site", host]
    if config.registry:
        command += ["--registry", config.registry]
    if kind == "full":
        command.append("--full")
    elif kind == "recheck":
        command += ["--recheck", "--recheck-limit", str(config.recheck_limit)]
    if config.warc_dir and not config.queue:  # queued jobs: each worker writes WARC where it was told
        command += ["--warc", config.warc_dir]
    if config.queue:  # the child only puts the sites on the queue; the workers crawl them
        command += ["--queue", config.queue]
    return command


def _wait_for_child(
    rt: Runtime, name: str, command: list[str], out: BinaryIO, env: dict[str, str]
) -> tuple[str, int | None]:
    """Run the crawl to its end, or stop it at the time limit: (status, exit code)."""
    try:
        child = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )
    except OSError as exc:
        log.error("%s: cannot start the crawl: %s", name, exc)
        return "failed", None
    with rt.guard:
        rt.children[child.pid] = child
    try:
        code = child.wait(timeout=rt.config.crawl_timeout.total_seconds())
        return ("stopped" if child.pid in rt.signalled else "ok" if code == 0 else "failed"), code
    except subprocess.TimeoutExpired:
        log.warning("%s: still running after %s; stopping it", name, rt.config.crawl_timeout)
        return "timeout", stop_child(child)
    finally:
        with rt.guard:
            rt.children.pop(child.pid, None)


def stop_child(child: subprocess.Popen[bytes], wait: float = TERM_WAIT) -> int | None:
    """SIGTERM (Scrapy closes the spider and the pipeline stores what it has), then SIGKILL."""
    for sig, patience in ((signal.SIGTERM, wait), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            break
        try:
            return child.wait(timeout=patience)
        except subprocess.TimeoutExpired:
            continue
    return child.poll()


def _read_run_id(path: Path) -> int | None:
    try:
        value = path.read_text(encoding="utf-8").strip()
        return int(value) if value else None
    except (OSError, ValueError):
        return None
    finally:
        path.unlink(missing_ok=True)


def _rotate(folder: Path, keep: int) -> None:
    logs = sorted(folder.glob("*.log"))
    for old in logs[: max(0, len(logs) - keep)]:
        old.unlink(missing_ok=True)


# ---- the schedule --------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobSpec:
    id: str
    kind: str
    hosts: tuple[str, ...]
    every: timedelta
    offset: timedelta


def plan(config: ScheduleConfig, hosts: Sequence[str]) -> list[JobSpec]:
    """The jobs for these enabled sites, each site's offset spread evenly across its window."""
    ordered = sorted(hosts)
    specs = []
    for kind, every in (("incremental", config.incremental_every), ("full", config.full_every)):
        for i, host in enumerate(ordered):
            specs.append(JobSpec(job_id(kind, host), kind, (host,), every, every * i / len(ordered)))
    if ordered:
        specs.append(JobSpec("recheck", "recheck", tuple(ordered), config.recheck_every, timedelta(0)))
    return specs


class ArchiveScheduler:
    def __init__(self, config: ScheduleConfig, db_url: str, hosts: Sequence[str]) -> None:
        self.config = config
        self.db_url = db_url
        self.hosts = list(hosts)
        self.engine = open_engine(db_url)
        self.lock = ArchiveLock(self.engine)
        self.scheduler: Any = None
        self.runtime = Runtime(config, db_url, self.engine)

    def start(self) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.schedulers.base import STATE_STOPPED

        global _runtime
        self.lock.acquire()
        _runtime = self.runtime

        class Scheduler(BackgroundScheduler):
            def _process_jobs(self) -> float | None:
                # APScheduler 3 runs one more round after shutdown and, its executor gone, advances the
                # due jobs without running them: they would be lost instead of caught up after restart
                return None if self.state == STATE_STOPPED else super()._process_jobs()

        self.scheduler = Scheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine, tablename=JOBS_TABLE)},
            executors={"default": ThreadPoolExecutor(self.config.max_parallel)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=UTC,
        )
        self.scheduler.start(paused=True)
        self._reconcile()
        self.scheduler.resume()

    def _reconcile(self) -> None:
        """Make the job store hold exactly the planned jobs, keeping each unchanged job's next run."""
        from apscheduler.triggers.interval import IntervalTrigger

        wanted = {spec.id: spec for spec in plan(self.config, self.hosts)}
        for job in self.scheduler.get_jobs():
            spec = wanted.get(job.id)
            trigger = job.trigger
            same = (
                spec is not None
                and isinstance(trigger, IntervalTrigger)
                and trigger.interval == spec.every
                and trigger.start_date == ANCHOR + spec.offset
                and tuple(job.args[1]) == spec.hosts
            )
            if same:
                del wanted[job.id]
            else:
                job.remove()
        for spec in wanted.values():
            self.scheduler.add_job(
                run_job,
                IntervalTrigger(seconds=spec.every.total_seconds(), start_date=ANCHOR + spec.offset, timezone=UTC),
                args=[spec.kind, list(spec.hosts)],
                id=spec.id,
                name=spec.id,
                misfire_grace_time=int(spec.every.total_seconds()),
                replace_existing=True,
            )

    def next_runs(self, limit: int = 5) -> list[tuple[str, datetime]]:
        jobs = sorted(self.scheduler.get_jobs(), key=lambda j: j.next_run_time)
        return [(j.id, j.next_run_time) for j in jobs[:limit]]

    def stop(self) -> None:
        """No new crawls; running ones get the grace period, then SIGTERM, then SIGKILL."""
        rt = self.runtime
        rt.stopping.set()
        if self.scheduler is not None:
            self.scheduler.pause()
        deadline = time.monotonic() + self.config.stop_grace.total_seconds()
        while rt.children and time.monotonic() < deadline:
            time.sleep(0.2)
        with rt.guard:
            remaining = list(rt.children.values())
            rt.signalled.update(c.pid for c in remaining)
        for child in remaining:
            log.info("stopping crawl process %d", child.pid)
        threads = [threading.Thread(target=stop_child, args=(c,)) for c in remaining]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
        self.lock.release()
        self.engine.dispose()


def serve(config: ScheduleConfig, db_url: str, hosts: Sequence[str], announce: Any = print) -> None:
    """Run until SIGTERM or SIGINT (the ``kpu-archive schedule`` command)."""
    _log_to(config.log_dir)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler = ArchiveScheduler(config, db_url, hosts)
    scheduler.start()
    announce(
        f"scheduling {len(hosts)} sites into {db_url}: incremental every {config.incremental_every}, "
        f"recheck every {config.recheck_every} (limit {config.recheck_limit}), full every "
        f"{config.full_every}; at most {config.max_parallel} crawls at once; logs in {config.log_dir}"
    )
    for name, when in scheduler.next_runs():
        announce(f"  next: {when.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC  {name}")
    log.info("scheduler started (pid %d)", os.getpid())
    while not stop.wait(1.0):
        pass
    announce("stopping: no new crawls; waiting for running ones")
    scheduler.stop()
    log.info("scheduler stopped")
    announce("stopped")


def _log_to(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        folder / "scheduler.log", maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("kpu-archive.scheduler", "apscheduler"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
