"""``crawl``: run the one spider in this process, then print what the run did.

This is the composition root's crawl side: it is the only place the archive's command line starts
Scrapy (``crawlers``), and it does so once per process (Twisted's reactor does not restart).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from archive.cli.app import fail
from archive.cli.archives import for_writing
from archive.cli.options import db_option, format_option, registry_option, sites_option
from archive.cli.worker import (
    enqueue,
    provenance_options,
    provenance_settings,
    queue_option,
    run_local_workers,
    shared_archive,
)
from archive.storage.db import resolve_url
from archive.storage.models import CrawlRun

SUMMARY_COUNTS = ("requests", "new", "updated", "unchanged", "suspected", "removed", "restored", "errors")


@click.command()
@sites_option("A site to crawl (repeatable): kab-ngawi or kab-ngawi.kpu.go.id.")
@click.option("--all", "all_sites", is_flag=True, help="Crawl every site in the registry.")
@click.option("--full", is_flag=True, help="Walk every listing page and fetch every article again.")
@click.option(
    "--recheck",
    is_flag=True,
    help="Only re-fetch archived articles (least recently checked first) to find edits and takedowns.",
)
@click.option(
    "--recheck-limit",
    type=click.IntRange(1),
    default=1000,
    show_default=True,
    metavar="N",
    help="How many articles --recheck fetches.",
)
@click.option(
    "--stop-pages",
    type=click.IntRange(1),
    default=None,
    metavar="N",
    help="Incremental: stop a category after N listing pages with nothing new [default: 1].",
)
@click.option(
    "--confirm-after",
    type=click.FloatRange(0),
    default=None,
    metavar="HOURS",
    help="A removal counts once a check this long after the first 404 confirms it [default: 12].",
)
@click.option(
    "--max-pages",
    type=click.IntRange(1),
    default=None,
    metavar="N",
    help="Hard cap of listing pages per category [default: 1000].",
)
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@queue_option
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=None,
    metavar="N",
    help="With --queue: also start N workers here and wait until they have crawled the queue.",
)
@provenance_options
@registry_option
@db_option
@format_option("table", "json")
def crawl(
    sites: Sequence[str],
    all_sites: bool,
    full: bool,
    recheck: bool,
    recheck_limit: int,
    stop_pages: int | None,
    confirm_after: float | None,
    max_pages: int | None,
    verbose: bool,
    queue: str | None,
    workers: int | None,
    warc: str | None,
    no_attachments: bool,
    attachments_dir: str | None,
    registry: str | None,
    db: str | None,
    fmt: str,
) -> None:
    """Crawl sites into the archive and print a summary.

    By default the crawl is incremental: new posts, and posts whose listed title changed.

    With --queue redis://HOST:PORT/DB the sites go on the shared queue of a distributed crawl
    instead (see ``kpu-archive worker``).

    Example: kpu-archive crawl --site kab-ngawi --site kota-palu
    """
    from archive.cli import archives

    if full and recheck:
        fail("--full and --recheck are different runs: use one of them")
    reg = archives.registry(registry)
    if not sites and not all_sites:
        fail("name sites with --site HOST, or crawl every site with --all")
    try:
        chosen = reg.select([] if all_sites else sites)
    except KeyError as exc:
        fail(str(exc.args[0]))
    if workers and not queue:
        fail("--workers starts workers of a distributed crawl: give its --queue redis://… too")
    mode = "full" if full else "recheck" if recheck else "incremental"
    if queue:
        db_url = shared_archive(db) if workers else None
        if db_url:
            archives.ready_for_writing(db_url)  # created or upgraded once, before the workers open it
        if warc and not workers:
            fail("--warc is where a crawl process writes: give it to each worker (kpu-archive worker --warc DIR)")
        extra = [*(["--warc", warc] if warc else []), *(["--no-attachments"] if no_attachments else []),
                 *(["--attachments-dir", attachments_dir] if attachments_dir else [])]  # fmt: skip
        queued, skipped = enqueue(queue, [s.host for s in chosen], mode, recheck_limit)
        click.echo(f"queued {queued} sites ({mode}) on {queue}; {skipped} were queued or being crawled already")
        if workers and db_url:
            for worker_run in run_local_workers(workers, queue, str(reg.source), db_url, verbose, len(chosen), extra):
                print_summary(for_writing(db_url), worker_run, fmt)
        return
    settings: dict[str, object] = provenance_settings(warc, no_attachments, attachments_dir)  # checked first
    archives.ready_for_writing(db)
    if stop_pages:
        settings["KPU_INCREMENTAL_STOP_PAGES"] = stop_pages
    if confirm_after is not None:
        settings["KPU_REMOVAL_CONFIRM_HOURS"] = confirm_after
    run_id = run_crawl(
        [s.host for s in chosen],
        str(reg.source),
        resolve_url(db),
        max_pages=max_pages,
        verbose=verbose,
        mode=mode,
        recheck_limit=recheck_limit,
        settings=settings,
    )
    print_summary(for_writing(db), run_id, fmt)


def run_crawl(
    hosts: Sequence[str],
    registry: str,
    db_url: str,
    *,
    max_pages: int | None = None,
    verbose: bool = False,
    progress: bool = True,
    mode: str = "incremental",
    recheck_limit: int = 1000,
    settings: dict[str, object] | None = None,
) -> int | None:
    """Run the ``kpu`` spider in this process (once: Twisted's reactor does not restart)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawlers.spiders.kpu import KpuSpider

    scrapy_settings = Settings()
    scrapy_settings.setmodule("crawlers.settings", priority="project")
    scrapy_settings.set("KPU_ARCHIVE_DB", db_url, priority="cmdline")
    scrapy_settings.set("KPU_REGISTRY", registry, priority="cmdline")
    scrapy_settings.set("LOG_LEVEL", "INFO" if verbose else "WARNING", priority="cmdline")
    if max_pages:
        scrapy_settings.set("KPU_MAX_LISTING_PAGES", max_pages, priority="cmdline")
    if not progress:
        scrapy_settings.set("KPU_PROGRESS_INTERVAL", 0, priority="cmdline")
    for name, value in (settings or {}).items():
        scrapy_settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(scrapy_settings)
    crawler = process.create_crawler(KpuSpider)
    process.crawl(crawler, sites=",".join(hosts), registry=registry, mode=mode, recheck_limit=recheck_limit)
    process.start()
    return crawler.stats.get_value("kpu/run_id") if crawler.stats else None


def print_summary(engine: Engine, run_id: int | None, fmt: str = "table") -> None:
    with Session(engine) as session:
        run = session.get(CrawlRun, run_id) if run_id else None
    engine.dispose()
    if run is None:
        fail("the crawl did not start a run (see the log with --verbose)")
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "run": run.id,
                    "mode": run.mode,
                    "status": run.status,
                    "sites": len(run.sites),
                    "requests": run.requests,
                    "pages": run.pages,
                    "new": run.articles_new,
                    "updated": run.articles_updated,
                    "unchanged": run.articles_unchanged,
                    "removed": run.articles_removed,
                    "restored": run.articles_restored,
                    "errors": run.errors,
                    "per_site": run.per_site,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    click.echo(f"run {run.id} ({run.mode}): {run.status}")
    click.echo(
        f"sites {len(run.sites)}  requests {run.requests}  pages {run.pages}  "
        f"articles new {run.articles_new}  updated {run.articles_updated}  "
        f"unchanged {run.articles_unchanged}  removed {run.articles_removed}  "
        f"restored {run.articles_restored}  errors {run.errors}"
    )
    for host, counts in sorted(run.per_site.items()):
        click.echo(
            f"  {host}: {counts.get('requests', 0)} requests, "
            + ", ".join(f"{c} {counts.get(c, 0)}" for c in SUMMARY_COUNTS[1:])
        )
