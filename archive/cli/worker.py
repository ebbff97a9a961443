"""``worker``, and ``crawl --queue``: a crawl spread over many processes and machines.

``crawl --queue redis://…`` puts one job per chosen site on the shared Redis queue and returns
(``--workers N`` also starts N local workers and waits for them).  ``worker --queue redis://…``
takes site jobs from that queue, one lease per site, and writes to the shared PostgreSQL archive.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from archive.cli.app import fail
from archive.cli.options import db_option, registry_option
from archive.storage.db import resolve_url

if TYPE_CHECKING:
    from crawlers.queue import SiteQueue

F = TypeVar("F", bound=Any)
MAX_SHARE = 64  # sites one local worker leases at a time, at most
QUEUE_HELP = "The shared work queue, redis://HOST:PORT/DB [env: KPU_QUEUE]."


def queue_option(func: F) -> F:
    return click.option("--queue", type=str, default=None, envvar="KPU_QUEUE", metavar="URL", help=QUEUE_HELP)(func)


def shared_archive(db: str | None) -> str:
    """The archive URL every worker writes to: PostgreSQL, since SQLite has one writer per file."""
    url = resolve_url(db)
    if not url.startswith("postgresql"):
        fail("workers share one archive: give --db postgresql://… (SQLite takes one writer at a time)")
    return url


def connect_queue(url: str) -> SiteQueue:
    """The site queue at ``url``, or one clear line where Redis is not there."""
    from crawlers.queue import SiteQueue

    if not url.startswith(("redis://", "rediss://", "unix://")):
        fail(f"--queue must be a redis:// URL, not {url!r}")
    try:
        queue = SiteQueue.from_url(url)
        queue.server.ping()
    except Exception as exc:  # redis raises several kinds; each means the queue cannot be used
        fail(f"cannot reach the queue at {url}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    return queue


def provenance_options(func: F) -> F:
    """``--warc DIR``, ``--no-attachments`` and ``--attachments-dir DIR``: the same for crawl and worker."""
    for option in reversed((
        click.option("--warc", default=None, envvar="KPU_WARC_DIR", metavar="DIR",
                     help="Write every fetch (robots.txt, listings, articles, attachments) as WARC files in DIR."),
        click.option("--no-attachments", is_flag=True,
                     help="Do not download the documents posts link (PDF, DOCX, XLSX...)."),
        click.option("--attachments-dir", default=None, envvar="KPU_ATTACHMENTS_DIR", metavar="DIR",
                     help="Where attachments are stored, once per SHA-256 [default: beside a SQLite archive; "
                          "a path every worker shares]."),
    )):  # fmt: skip
        func = option(func)
    return func


def provenance_settings(warc: str | None, no_attachments: bool, attachments_dir: str | None) -> dict[str, object]:
    """The Scrapy settings of ``--warc``, ``--no-attachments`` and ``--attachments-dir``."""
    from pathlib import Path

    settings: dict[str, object] = {"KPU_ATTACHMENTS": not no_attachments}
    if warc:
        directory = Path(warc).expanduser()
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            fail(f"cannot write WARC files in {warc}: {exc.strerror or exc}")
        settings["KPU_WARC_DIR"] = str(directory.resolve())
    if attachments_dir:
        settings["KPU_ATTACHMENTS_DIR"] = str(Path(attachments_dir).expanduser().resolve())
    return settings


@click.command()
@queue_option
@click.option(
    "--idle-exit",
    type=click.FloatRange(0),
    default=0,
    metavar="SECONDS",
    help="Exit once no site has been queued or crawled for this long [default: 0, wait for ever].",
)
@click.option(
    "--sites-at-once",
    type=click.IntRange(1),
    default=None,
    metavar="N",
    help="Sites this worker leases at a time [default: 32].",
)
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@provenance_options
@registry_option
@db_option
def worker(
    queue: str | None,
    idle_exit: float,
    sites_at_once: int | None,
    verbose: bool,
    warc: str | None,
    no_attachments: bool,
    attachments_dir: str | None,
    registry: str | None,
    db: str | None,
) -> None:
    """Run one crawl worker: take site jobs from the shared queue, write to the shared archive.

    Example: kpu-archive worker --queue redis://127.0.0.1:6379/0 --db postgresql://archive@db/kpu
    """
    from archive.cli import archives

    if not queue:
        fail("name the shared queue with --queue redis://HOST:PORT/DB (or KPU_QUEUE)")
    url = shared_archive(db)
    connect_queue(queue)
    reg = archives.registry(registry)
    settings = provenance_settings(warc, no_attachments, attachments_dir)
    archives.ready_for_writing(url)
    run_worker(queue, str(reg.source), url, idle_exit=idle_exit, sites_at_once=sites_at_once, verbose=verbose,
               settings=settings)  # fmt: skip


def run_worker(
    queue: str,
    registry: str,
    db_url: str,
    *,
    idle_exit: float,
    sites_at_once: int | None,
    verbose: bool,
    settings: dict[str, object] | None = None,
) -> None:
    import warnings

    from scrapy.crawler import CrawlerProcess
    from scrapy.exceptions import ScrapyDeprecationWarning
    from scrapy.settings import Settings

    from crawlers.spiders.kpu_worker import KpuWorkerSpider

    # scrapy-redis 0.9 passes ``spider=`` to the stats on every request: noise, not news for a user
    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")
    name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    scrapy_settings = Settings()
    scrapy_settings.setmodule("crawlers.settings", priority="project")
    for key, value in {
        "KPU_ARCHIVE_DB": db_url,
        "KPU_REGISTRY": registry,
        "LOG_LEVEL": "INFO" if verbose else "WARNING",
        "KPU_PROGRESS_INTERVAL": 0,
        "REDIS_URL": queue,  # scrapy-redis: the site jobs, and the owned sites' requests
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "crawlers.site_requests.SiteRequestQueue",  # a queue per site
        "DUPEFILTER_CLASS": "crawlers.site_requests.SiteDupeFilter",
        "SCHEDULER_PERSIST": False,  # a stopping worker drops its sites' queues; the archive has the rest
        **({"KPU_WORKER_SITES": sites_at_once} if sites_at_once else {}),
        **(settings or {}),
    }.items():
        scrapy_settings.set(key, value, priority="cmdline")
    process = CrawlerProcess(scrapy_settings)
    process.crawl(process.create_crawler(KpuWorkerSpider), worker=name, idle_exit=idle_exit, registry=registry)
    process.start()


def enqueue(queue_url: str, hosts: Sequence[str], mode: str, recheck_limit: int) -> tuple[int, int]:
    """Queue one job per site; (queued, already queued or being crawled)."""
    from crawlers.queue import SiteJob

    queue = connect_queue(queue_url)
    queued = queue.push([SiteJob(h, mode, recheck_limit) for h in hosts])
    return queued, len(hosts) - queued


def run_local_workers(
    count: int, queue_url: str, registry: str, db_url: str, verbose: bool, sites: int, extra: Sequence[str] = ()
) -> list[int]:
    """Start ``count`` workers here, each leasing its share of the ``sites`` queued (unless
    ``KPU_WORKER_SITES`` says otherwise), and wait until the queue is drained; their run ids."""
    folder = Path(tempfile.mkdtemp(prefix="kpu-workers-"))
    share = os.environ.get("KPU_WORKER_SITES") or str(min(MAX_SHARE, max(1, -(-sites // count))))
    processes = []
    for number in range(count):
        env = {**os.environ, "KPU_RUN_ID_FILE": str(folder / f"run-{number}")}
        command = [sys.executable, "-m", "archive", "worker", "--queue", queue_url, "--db", db_url,
                   "--registry", registry, "--idle-exit", "3", "--sites-at-once", share,
                   *(["-v"] if verbose else []), *extra]  # fmt: skip
        processes.append(subprocess.Popen(command, env=env))
    codes = [p.wait() for p in processes]
    if any(codes):
        fail(f"{sum(1 for c in codes if c)} of {count} workers failed (exit codes {codes})")
    return [int(f.read_text()) for f in sorted(folder.glob("run-*"))]
