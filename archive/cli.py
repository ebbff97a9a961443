"""The ``kpu-archive`` command line.  Bad input: one line on stderr, exit 2, nothing written."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

import click
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawlers.sites import LEVELS, Registry, RegistryError, load_registry

from .db import ArchiveUnavailable, open_engine, resolve_url
from .models import Article, CrawlRun, Site

USAGE_ERROR = 2


def fail(message: str) -> NoReturn:
    click.echo(f"kpu-archive: error: {message}", err=True)
    sys.exit(USAGE_ERROR)


def _registry(path: str | None) -> Registry:
    try:
        return load_registry(path)
    except RegistryError as exc:
        fail(str(exc))


def _engine(db: str | None) -> Engine:
    try:
        return open_engine(db)
    except ArchiveUnavailable as exc:
        fail(str(exc))


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date (use YYYY-MM-DD)")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kpu-archive")
def main() -> None:
    """Crawl, archive and export what Indonesia's election bodies (KPU) publish."""


# ---- crawl ------------------------------------------------------------------------------------


@main.command()
@click.option("--site", "sites", multiple=True, metavar="HOST",
              help="A site to crawl (repeatable): kab-ngawi or kab-ngawi.kpu.go.id.")
@click.option("--all", "all_sites", is_flag=True, help="Crawl every site in the registry.")
@click.option("--registry", type=str, default=None, help="A registry CSV replacing the bundled one.")
@click.option("--db", type=str, default=None,
              help="Archive URL or SQLite path (default: $KPU_ARCHIVE_DB or ./kpu-archive.db).")
@click.option("--max-pages", type=click.IntRange(1), default=None, help="Hard cap of listing pages per category.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
def crawl(sites: Sequence[str], all_sites: bool, registry: str | None, db: str | None,
          max_pages: int | None, verbose: bool) -> None:
    """Crawl sites into the archive and print a summary."""
    reg = _registry(registry)
    if not sites and not all_sites:
        fail("name sites with --site HOST, or crawl every site with --all")
    try:
        chosen = reg.select([] if all_sites else sites)
    except KeyError as exc:
        fail(str(exc.args[0]))
    engine = _engine(db)
    engine.dispose()
    run_id = run_crawl([s.host for s in chosen], str(reg.source), resolve_url(db), max_pages=max_pages,
                       verbose=verbose)
    print_summary(_engine(db), run_id)


def run_crawl(hosts: Sequence[str], registry: str, db_url: str, *, max_pages: int | None = None,
              verbose: bool = False, progress: bool = True) -> int | None:
    """Run the ``kpu`` spider in this process (once: Twisted's reactor does not restart)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawlers.spiders.kpu import KpuSpider

    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    settings.set("KPU_ARCHIVE_DB", db_url, priority="cmdline")
    settings.set("KPU_REGISTRY", registry, priority="cmdline")
    settings.set("LOG_LEVEL", "INFO" if verbose else "WARNING", priority="cmdline")
    if max_pages:
        settings.set("KPU_MAX_LISTING_PAGES", max_pages, priority="cmdline")
    if not progress:
        settings.set("KPU_PROGRESS_INTERVAL", 0, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(KpuSpider)
    process.crawl(crawler, sites=",".join(hosts), registry=registry)
    process.start()
    return crawler.stats.get_value("kpu/run_id") if crawler.stats else None


def print_summary(engine: Engine, run_id: int | None) -> None:
    with Session(engine) as session:
        run = session.get(CrawlRun, run_id) if run_id else None
        if run is None:
            fail("the crawl did not start a run (see the log with --verbose)")
        click.echo(f"run {run.id}: {run.status}")
        click.echo(f"sites {len(run.sites)}  requests {run.requests}  pages {run.pages}  "
                   f"articles new {run.articles_new}  updated {run.articles_updated}  "
                   f"unchanged {run.articles_unchanged}  errors {run.errors}")
        for host, counts in sorted(run.per_site.items()):
            click.echo(f"  {host}: {counts.get('pages', 0)} pages, new {counts.get('new', 0)}, "
                       f"updated {counts.get('updated', 0)}, unchanged {counts.get('unchanged', 0)}, "
                       f"errors {counts.get('errors', 0)}")
    engine.dispose()


# ---- export ----------------------------------------------------------------------------------


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write (default: stdout).")
@click.option("--site", "sites", multiple=True, metavar="HOST", help="Only these sites (repeatable).")
@click.option("--since", default=None, metavar="DATE",
              help="Published on or after DATE (YYYY-MM-DD, site's local date).")
@click.option("--until", default=None, metavar="DATE", help="Published on or before DATE.")
@click.option("--db", type=str, default=None, help="Archive URL or SQLite path.")
def export(fmt: str, out: str | None, sites: Sequence[str], since: str | None, until: str | None,
           db: str | None) -> None:
    """Export one row per article as CSV (UTF-8, RFC 4180) or JSONL."""
    from crawlers.sites import normalise_host

    from .export import iter_rows, write_csv, write_jsonl

    since_d, until_d = _date(since, "--since"), _date(until, "--until")
    if since_d and until_d and since_d > until_d:
        fail("--since is after --until")
    engine = _engine(db)
    hosts = [normalise_host(h) for h in sites]
    with Session(engine) as session:
        known = set(session.scalars(select(Site.host).where(Site.host.in_(hosts)))) if hosts else set()
    missing = [h for h in hosts if h not in known]
    if missing:
        fail(f"unknown site {missing[0]!r}: not in this archive")
    writer = write_csv if fmt == "csv" else write_jsonl
    rows = iter_rows(engine, hosts, since_d, until_d)
    if out:
        target = Path(out)
        partial = target.with_name(target.name + ".part")
        with partial.open("w", encoding="utf-8", newline="") as handle:
            count = writer(rows, handle)
        partial.replace(target)  # never leave a half-written export under the real name
        click.echo(f"wrote {count} rows to {target}", err=True)
    else:
        writer(rows, click.get_text_stream("stdout"))
    engine.dispose()


# ---- sites -----------------------------------------------------------------------------------


@main.command("sites")
@click.option("--level", type=click.Choice(LEVELS), default=None)
@click.option("--province", default=None, help="Province name, e.g. 'Jawa Timur'.")
@click.option("--registry", type=str, default=None, help="A registry CSV replacing the bundled one.")
def sites_command(level: str | None, province: str | None, registry: str | None) -> None:
    """List the sites of the registry."""
    reg = _registry(registry)
    chosen = reg.select(level=level, province=province)
    if province and not chosen:
        fail(f"no site in province {province!r}")
    for s in chosen:
        click.echo(f"{s.host:<38} {s.level:<10} {s.province:<26} {s.timezone:<14} {s.host_source:<8} {s.name}")
    click.echo(f"{len(chosen)} sites", err=True)


# ---- demo ------------------------------------------------------------------------------------


@main.command()
@click.option("--db", type=str, default=None, help="Archive to fill (default: a fresh one in a temporary folder).")
def demo(db: str | None) -> None:
    """Serve bundled sample sites on 127.0.0.1, crawl them into a fresh archive, show the result."""
    import os

    from crawlers.sample.server import demo_world, write_registry

    os.environ.setdefault("KPU_DOWNLOAD_DELAY", "0")  # the sample sites are local: no need to wait
    folder = Path(tempfile.mkdtemp(prefix="kpu-archive-demo-"))
    db_url = resolve_url(db or str(folder / "demo.db"))
    _engine(db_url).dispose()
    world = demo_world()
    with world.serve() as base_urls:
        registry = write_registry(folder / "sites.csv", world, base_urls)
        click.echo(f"serving {len(base_urls)} sample sites on 127.0.0.1; crawling into {db_url}", err=True)
        run_id = run_crawl(list(base_urls), str(registry), db_url)
    engine = _engine(db_url)
    print_summary(engine, run_id)
    _show_archive(engine)
    click.echo(f"\narchive: {db_url}\nexport it: kpu-archive export --db {db_url.removeprefix('sqlite:///')} "
               "--format csv --out demo.csv")


def _show_archive(engine: Engine) -> None:
    with Session(engine) as session:
        total = session.scalar(select(func.count(Article.id)))
        click.echo(f"\n{total} articles archived:")
        rows = session.execute(select(Site.host, Site.timezone, Article.published_at, Article.title)
                               .join(Site).order_by(Site.host, Article.published_at.desc())).all()
    from zoneinfo import ZoneInfo

    for host, tz, published, title in rows:
        when = published.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %Z") if published else "(no date)"
        click.echo(f"  {host:<28} {when:<15} {(title or '')[:70]}")
    engine.dispose()
