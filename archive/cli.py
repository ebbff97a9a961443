"""The ``kpu-archive`` command line.  Bad input: one line on stderr, exit 2, nothing written."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawlers.sites import LEVELS, Registry, RegistryError, load_registry

from .db import ArchiveUnavailable, open_engine, resolve_url
from .filters import Filters
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


class OneLineErrors(click.Group):
    """Click's usage errors, too, as one line on stderr and exit 2 (not Click's three-line block)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            result = super().main(*args, **kwargs)
        except click.ClickException as exc:
            fail(f"{exc.format_message()} (see --help)" if isinstance(exc, click.UsageError) else exc.format_message())
        except click.exceptions.Abort:
            click.echo("kpu-archive: aborted", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kpu-archive")
def main() -> None:
    """Crawl, archive and export what Indonesia's election bodies (KPU) publish."""


# ---- crawl ------------------------------------------------------------------------------------


@main.command()
@click.option("--site", "sites", multiple=True, metavar="HOST",
              help="A site to crawl (repeatable): kab-ngawi or kab-ngawi.kpu.go.id.")
@click.option("--all", "all_sites", is_flag=True, help="Crawl every site in the registry.")
@click.option("--full", is_flag=True, help="Walk every listing page and fetch every article again.")
@click.option("--recheck", is_flag=True,
              help="Only re-fetch archived articles (least recently checked first) to find edits and takedowns.")
@click.option("--recheck-limit", type=click.IntRange(1), default=1000, show_default=True, metavar="N",
              help="How many articles --recheck fetches.")
@click.option("--stop-pages", type=click.IntRange(1), default=None, metavar="N",
              help="Incremental: stop a category after N listing pages with nothing new [default: 1].")
@click.option("--confirm-after", type=click.FloatRange(0), default=None, metavar="HOURS",
              help="A removal counts once a check this long after the first 404 confirms it [default: 12].")
@click.option("--registry", type=str, default=None, help="A registry CSV replacing the bundled one.")
@click.option("--db", type=str, default=None,
              help="Archive URL or SQLite path (default: $KPU_ARCHIVE_DB or ./kpu-archive.db).")
@click.option("--max-pages", type=click.IntRange(1), default=None, help="Hard cap of listing pages per category.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
def crawl(sites: Sequence[str], all_sites: bool, full: bool, recheck: bool, recheck_limit: int,
          stop_pages: int | None, confirm_after: float | None, registry: str | None, db: str | None,
          max_pages: int | None, verbose: bool) -> None:
    """Crawl sites into the archive and print a summary.

    By default the crawl is incremental: new posts, and posts whose listed title changed.
    """
    if full and recheck:
        fail("--full and --recheck are different runs: use one of them")
    reg = _registry(registry)
    if not sites and not all_sites:
        fail("name sites with --site HOST, or crawl every site with --all")
    try:
        chosen = reg.select([] if all_sites else sites)
    except KeyError as exc:
        fail(str(exc.args[0]))
    engine = _engine(db)
    engine.dispose()
    mode = "full" if full else "recheck" if recheck else "incremental"
    extra: dict[str, object] = {}
    if stop_pages:
        extra["KPU_INCREMENTAL_STOP_PAGES"] = stop_pages
    if confirm_after is not None:
        extra["KPU_REMOVAL_CONFIRM_HOURS"] = confirm_after
    run_id = run_crawl([s.host for s in chosen], str(reg.source), resolve_url(db), max_pages=max_pages,
                       verbose=verbose, mode=mode, recheck_limit=recheck_limit, settings=extra)
    print_summary(_engine(db), run_id)


def run_crawl(hosts: Sequence[str], registry: str, db_url: str, *, max_pages: int | None = None,
              verbose: bool = False, progress: bool = True, mode: str = "incremental", recheck_limit: int = 1000,
              settings: dict[str, object] | None = None) -> int | None:
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


def print_summary(engine: Engine, run_id: int | None) -> None:
    with Session(engine) as session:
        run = session.get(CrawlRun, run_id) if run_id else None
        if run is None:
            fail("the crawl did not start a run (see the log with --verbose)")
        click.echo(f"run {run.id} ({run.mode}): {run.status}")
        click.echo(f"sites {len(run.sites)}  requests {run.requests}  pages {run.pages}  "
                   f"articles new {run.articles_new}  updated {run.articles_updated}  "
                   f"unchanged {run.articles_unchanged}  removed {run.articles_removed}  "
                   f"restored {run.articles_restored}  errors {run.errors}")
        for host, counts in sorted(run.per_site.items()):
            click.echo(f"  {host}: {counts.get('requests', 0)} requests, new {counts.get('new', 0)}, "
                       f"updated {counts.get('updated', 0)}, unchanged {counts.get('unchanged', 0)}, "
                       f"suspected {counts.get('suspected', 0)}, removed {counts.get('removed', 0)}, "
                       f"restored {counts.get('restored', 0)}, errors {counts.get('errors', 0)}")
    engine.dispose()


# ---- export ----------------------------------------------------------------------------------


def filter_options(func: Any) -> Any:
    """The filters search and export share."""
    options = [
        click.option("--site", "sites", multiple=True, metavar="HOST", help="Only these sites (repeatable)."),
        click.option("--province", "provinces", multiple=True, metavar="NAME",
                     help="Only sites of this province, e.g. 'Papua' (repeatable)."),
        click.option("--level", "levels", multiple=True, type=click.Choice(LEVELS), help="provinsi, kabupaten, kota."),
        click.option("--category", "categories", multiple=True, metavar="LABEL",
                     help="Only this category label, e.g. 'Berita Terkini' (repeatable)."),
        click.option("--since", default=None, metavar="DATE", help="Published on or after DATE (YYYY-MM-DD, "
                     "the site's local date)."),
        click.option("--until", default=None, metavar="DATE", help="Published on or before DATE."),
        click.option("--one-per-cluster", is_flag=True,
                     help="Only each syndication cluster's probable origin (and articles without copies)."),
        click.option("--db", type=str, default=None, help="Archive URL or SQLite path."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filters(engine: Engine, sites: Sequence[str], provinces: Sequence[str], levels: Sequence[str],
             categories: Sequence[str], since: str | None, until: str | None, query: str | None,
             one_per_cluster: bool, include_removed: bool = False) -> Filters:
    """Check the filters against the archive (unknown site or province: a clear error) and build them."""
    from .search import QueryError, parse_query

    since_d, until_d = _date(since, "--since"), _date(until, "--until")
    if since_d and until_d and since_d > until_d:
        fail("--since is after --until")
    filters = Filters.of(query, sites, provinces, levels, categories, since_d, until_d, one_per_cluster,
                         include_removed)
    hosts = filters.hosts
    with Session(engine) as session:
        known = set(session.scalars(select(Site.host).where(Site.host.in_(hosts)))) if hosts else set()
        known_provinces = {p.lower() for p in session.scalars(select(Site.province).distinct())}
    missing = [h for h in hosts if h not in known]
    if missing:
        fail(f"unknown site {missing[0]!r}: not in this archive")
    for province in provinces:
        if province.lower() not in known_provinces:
            fail(f"no site of province {province!r} in this archive")
    if query is not None:
        try:
            parse_query(query)
        except QueryError as exc:
            fail(f"bad search query: {exc}")
    return filters


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write, with FILE.manifest.json beside it (default: stdout, no manifest).")
@click.option("--excel", is_flag=True, help="CSV for Excel: a UTF-8 BOM (and CRLF line ends, as always).")
@click.option("--query", default=None, metavar="QUERY", help='Only articles matching a search, e.g. "pleno DPT".')
@click.option("--include-removed", is_flag=True,
              help="Also export removed articles, with removed_at and removal_reason columns.")
@click.option("--include-versions", is_flag=True,
              help="One row per version (oldest first), with version, version_fetched_at, version_content_sha256.")
@filter_options
def export(fmt: str, out: str | None, excel: bool, query: str | None, include_removed: bool,
           include_versions: bool, sites: Sequence[str], provinces: Sequence[str], levels: Sequence[str],
           categories: Sequence[str], since: str | None, until: str | None, one_per_cluster: bool,
           db: str | None) -> None:
    """Export one row per article as CSV (UTF-8, RFC 4180), JSONL or Parquet.

    Removed articles are left out unless --include-removed is given.  With --out, a manifest
    (filters, snapshot time, software version, row count, SHA-256) is written beside the file.
    """
    from .export import export_columns, iter_rows, write_csv, write_export, write_jsonl

    if excel and fmt != "csv":
        fail("--excel applies to --format csv")
    if fmt == "parquet" and not out:
        fail("Parquet is binary: name a file with --out")
    engine = _engine(db)
    filters = _filters(engine, sites, provinces, levels, categories, since, until, query, one_per_cluster,
                       include_removed)
    if out:
        manifest = write_export(engine, Path(out), fmt, filters, include_versions=include_versions, excel=excel)
        click.echo(f"wrote {manifest['rows']} rows to {out} (manifest: {out}.manifest.json)", err=True)
    else:
        stream = click.get_text_stream("stdout", encoding="utf-8-sig" if excel else "utf-8")
        columns = export_columns(include_removed, include_versions)
        rows = iter_rows(engine, filters, include_versions=include_versions)
        (write_csv if fmt == "csv" else write_jsonl)(rows, stream, columns)
    engine.dispose()


@main.command()
@click.argument("query")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]), default="table", show_default=True)
@filter_options
def search(query: str, limit: int, fmt: str, sites: Sequence[str], provinces: Sequence[str],
           levels: Sequence[str], categories: Sequence[str], since: str | None, until: str | None,
           one_per_cluster: bool, db: str | None) -> None:
    """Full-text search: words, "phrases", OR, -exclusion, prefix*.  Best matches first.

    Example: kpu-archive search '"rekapitulasi DPT" OR pleno -pilkada' --province Papua --since 2024-01-01
    """
    import json

    from .query import search as run_search

    engine = _engine(db)
    filters = _filters(engine, sites, provinces, levels, categories, since, until, query, one_per_cluster)
    hits = run_search(engine, filters, limit=limit)
    engine.dispose()
    if fmt == "jsonl":
        for hit in hits:
            click.echo(json.dumps(hit, ensure_ascii=False))
    elif fmt == "csv":
        from .export import write_csv

        write_csv(iter(hits), click.get_text_stream("stdout"), list(hits[0]) if hits else ["date", "site", "title"])
    else:
        _search_table(hits)
    if not hits:
        click.echo("no matches", err=True)


def _search_table(hits: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(expand=True)
    table.add_column("date", no_wrap=True, min_width=10)
    for name, ratio in (("site", 2), ("title", 3), ("snippet", 5)):
        table.add_column(name, ratio=ratio, overflow="fold")
    for hit in hits:
        snippet = Text()
        for i, part in enumerate((hit["snippet"] or "").split("**")):  # the matches sit between ** marks
            snippet.append(part, style="bold yellow" if i % 2 else None)
        table.add_row((hit["published_at"] or "")[:10], hit["site"], hit["title"] or "", snippet)
    Console().print(table)


# ---- history, runs, clusters ----------------------------------------------------------------


@main.command()
@click.argument("url")
@click.option("--db", type=str, default=None, help="Archive URL or SQLite path.")
def history(url: str, db: str | None) -> None:
    """Print an article's versions with a unified diff between them, its URLs and its events."""
    from .history import load_history, render

    engine = _engine(db)
    found = load_history(engine, url)
    engine.dispose()
    if found is None:
        fail(f"no archived article at {url!r}")
    for line in render(found):
        click.echo(line)


@main.command()
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--db", type=str, default=None, help="Archive URL or SQLite path.")
def runs(limit: int, db: str | None) -> None:
    """List crawl runs, newest first: mode, status, requests and what each found, errors per site."""
    engine = _engine(db)
    with Session(engine) as session:
        rows = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))
    engine.dispose()
    if not rows:
        click.echo("no crawl runs yet", err=True)
        return
    click.echo(f"{'run':>5}  {'started (UTC)':<19}  {'minutes':>7}  {'mode':<11}  {'status':<18}  {'sites':>5}  "
               f"{'requests':>8}  {'new':>6}  {'updated':>7}  {'unchanged':>9}  {'removed':>7}  {'restored':>8}  "
               f"{'errors':>6}")
    for run in rows:
        minutes = f"{(run.finished_at - run.started_at).total_seconds() / 60:.1f}" if run.finished_at else "-"
        click.echo(f"{run.id:>5}  {run.started_at:%Y-%m-%d %H:%M:%S}  {minutes:>7}  {run.mode:<11}  "
                   f"{run.status[:18]:<18}  {len(run.sites):>5}  {run.requests:>8}  {run.articles_new:>6}  "
                   f"{run.articles_updated:>7}  {run.articles_unchanged:>9}  {run.articles_removed:>7}  "
                   f"{run.articles_restored:>8}  {run.errors:>6}")
        failing = {h: c.get("errors", 0) for h, c in run.per_site.items() if c.get("errors")}
        if failing:
            click.echo("       errors: " + ", ".join(f"{h} {n}" for h, n in sorted(failing.items())))


@main.command()
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="How many clusters.")
@click.option("--site", default=None, metavar="HOST", help="Only clusters with a copy on this site.")
@click.option("--backfill", is_flag=True, help="First index articles archived before clustering existed.")
@click.option("--db", type=str, default=None, help="Archive URL or SQLite path.")
def clusters(limit: int, site: str | None, backfill: bool, db: str | None) -> None:
    """List the largest syndication clusters: the origin, then each copy with its lag behind it."""
    from zoneinfo import ZoneInfo

    from crawlers.sites import normalise_host

    from .clusters import backfill as backfill_clusters
    from .clusters import largest_clusters

    engine = _engine(db)
    if backfill:
        from .db import write_transaction

        with write_transaction(engine) as session:
            click.echo(f"indexed {backfill_clusters(session)} articles", err=True)
    with Session(engine) as session:
        reports = largest_clusters(session, limit, normalise_host(site) if site else None)
        zones = dict(session.execute(select(Site.host, Site.timezone)).all())
    engine.dispose()
    if not reports:
        click.echo("no syndication clusters", err=True)
        return
    for report in reports:
        origin = report.origin
        click.echo(f"cluster {report.id}: {report.size} copies on {len({c.host for c in report.copies})} sites")
        for copy in report.copies:
            when = copy.when.astimezone(ZoneInfo(zones[copy.host])).strftime("%Y-%m-%d %H:%M %Z")
            kind = "published" if copy.dated else "first seen"
            lag = "origin" if copy is origin else f"+{copy.lag_hours:.1f} h"
            click.echo(f"  {lag:>10}  {copy.host:<34} {when} ({kind})  {(copy.title or '')[:60]}")
        click.echo("")


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


# ---- schedule and status ---------------------------------------------------------------------


@main.command()
@click.option("--config", "config_path", type=str, default=None, metavar="FILE", help="A TOML config file.")
@click.option("--db", type=str, default=None, help="Archive URL or SQLite path.")
@click.option("--registry", type=str, default=None, help="A registry CSV replacing the bundled one.")
@click.option("--site", "sites", multiple=True, metavar="HOST", help="Only these sites (repeatable; default all).")
@click.option("--exclude", multiple=True, metavar="HOST", help="Leave these sites out (repeatable).")
@click.option("--incremental-every", default=None, metavar="DURATION", help="e.g. 6h (the default).")
@click.option("--recheck-every", default=None, metavar="DURATION", help="e.g. 24h (the default).")
@click.option("--recheck-limit", type=int, default=None, metavar="N", help="Articles per recheck pass (2000).")
@click.option("--full-every", default=None, metavar="DURATION", help="e.g. 7d (the default).")
@click.option("--max-parallel", type=int, default=None, metavar="N", help="Crawl processes at once (4).")
@click.option("--crawl-timeout", default=None, metavar="DURATION", help="Stop a crawl running longer (3h).")
@click.option("--stop-grace", default=None, metavar="DURATION", help="On SIGTERM, time crawls get to finish (2m).")
@click.option("--log-dir", default=None, metavar="DIR", help="Where crawl logs go (./kpu-archive-logs).")
def schedule(config_path: str | None, db: str | None, registry: str | None, sites: Sequence[str],
             exclude: Sequence[str], incremental_every: str | None, recheck_every: str | None,
             recheck_limit: int | None, full_every: str | None, max_parallel: int | None,
             crawl_timeout: str | None, stop_grace: str | None, log_dir: str | None) -> None:
    """Keep the archive current: staggered incremental crawls, daily rechecks, weekly full crawls.

    Runs until SIGTERM or Ctrl-C.  Settings: defaults, then --config FILE (TOML), then these flags.
    """
    from .schedule_config import ConfigError, load_config
    from .scheduler import SchedulerError, serve

    try:
        config = load_config(config_path, include=tuple(sites) or None, exclude=tuple(exclude) or None,
                             registry=registry, incremental_every=incremental_every, recheck_every=recheck_every,
                             recheck_limit=recheck_limit, full_every=full_every, max_parallel=max_parallel,
                             crawl_timeout=crawl_timeout, stop_grace=stop_grace, log_dir=log_dir)
    except ConfigError as exc:
        fail(str(exc))
    reg = _registry(config.registry)
    try:
        chosen = reg.select([] if "all" in config.include else list(config.include))
        excluded = {s.host for s in reg.select(list(config.exclude))} if config.exclude else set()
    except KeyError as exc:
        fail(str(exc.args[0]))
    hosts = [s.host for s in chosen if s.host not in excluded]
    if not hosts:
        fail("no site left to schedule")
    db_url = resolve_url(db)
    _engine(db_url).dispose()
    if config.registry:
        from dataclasses import replace

        config = replace(config, registry=str(reg.source))
    try:
        serve(config, db_url, hosts, announce=lambda line: click.echo(line, err=True))
    except SchedulerError as exc:
        fail(str(exc))


@main.command()
@click.option("--site", "sites", multiple=True, metavar="HOST", help="Only these sites (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document for monitoring.")
@click.option("--db", type=str, default=None, help="Archive URL or SQLite path.")
def status(sites: Sequence[str], as_json: bool, db: str | None) -> None:
    """Per site: last run, last success, articles, newest article, consecutive failures, flags.

    Exits 1 when any site is failing (its last crawl failed, or its listings went empty).
    """
    import json

    from crawlers.sites import normalise_host

    from .status import site_statuses

    engine = _engine(db)
    report = site_statuses(engine, [normalise_host(h) for h in sites] or None)
    engine.dispose()
    if sites and not report:
        fail("none of these sites is in the archive")
    if as_json:
        click.echo(json.dumps({"sites": [s.as_json() for s in report],
                               "failing": [s.host for s in report if s.failing]}, ensure_ascii=False, indent=1))
    else:
        def when(value: object) -> str:
            return value.strftime("%Y-%m-%d %H:%M") if value else "-"  # type: ignore[attr-defined]

        click.echo(f"{'site':<34} {'articles':>8}  {'newest article':<16}  {'last run (UTC)':<16}  {'result':<6}  "
                   f"{'last success':<16}  {'fails':>5}  flags")
        for s in report:
            click.echo(f"{s.host:<34} {s.articles:>8}  {when(s.newest_article):<16}  {when(s.last_run):<16}  "
                       f"{s.last_run_status or '-':<6}  {when(s.last_success):<16}  {s.consecutive_failures:>5}  "
                       f"{','.join(s.flags)}")
        failing = [s.host for s in report if s.failing]
        click.echo(f"{len(report)} sites, {len(failing)} failing" + (f": {', '.join(failing)}" if failing else ""),
                   err=True)
    if any(s.failing for s in report):
        sys.exit(1)


# ---- serve -------------------------------------------------------------------------------------


@main.command()
@click.option("--db", type=str, default=None, help="Archive (SQLite) path.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
def serve(db: str | None, host: str, port: int) -> None:
    """Browse the archive in Datasette, read-only: search, facets, canned queries."""
    import json

    from .browse import metadata

    db_url = resolve_url(db)
    if not db_url.startswith("sqlite:///"):
        fail("Datasette reads SQLite files only and this archive is on PostgreSQL; export it "
             "(kpu-archive export --format parquet --out …) or browse it with a PostgreSQL tool")
    path = Path(db_url.removeprefix("sqlite:///"))
    if not path.exists():
        fail(f"no archive at {path}")
    _engine(db_url).dispose()  # brings the schema (search index, posts view) up to date
    folder = Path(tempfile.mkdtemp(prefix="kpu-archive-serve-"))
    meta = folder / "metadata.json"
    meta.write_text(json.dumps(metadata(path.stem), ensure_ascii=False, indent=1), encoding="utf-8")
    from datasette.cli import cli as datasette

    click.echo(f"serving {path} read-only at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    datasette.main(args=["serve", str(path), "--metadata", str(meta), "--host", host, "--port", str(port),
                         "--setting", "default_page_size", "50"], prog_name="kpu-archive serve")
