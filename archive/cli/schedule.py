"""``schedule``: keep the archive current with APScheduler; ``upgrade``: bring an older archive's schema up."""

from __future__ import annotations

from collections.abc import Sequence

import click

from archive.cli.app import fail
from archive.cli.archives import for_writing
from archive.cli.archives import registry as load_registry_or_fail
from archive.cli.options import db_option, registry_option, sites_option
from archive.storage.db import resolve_url


@click.command()
@click.option("--config", "config_path", type=str, default=None, metavar="FILE", help="A TOML config file.")
@db_option
@registry_option
@sites_option("Only these sites (repeatable; default all).")
@click.option("--exclude", multiple=True, metavar="HOST", help="Leave these sites out (repeatable).")
@click.option("--incremental-every", default=None, metavar="DURATION", help="e.g. 6h (the default).")
@click.option("--recheck-every", default=None, metavar="DURATION", help="e.g. 24h (the default).")
@click.option("--recheck-limit", type=int, default=None, metavar="N", help="Articles per recheck pass (2000).")
@click.option("--full-every", default=None, metavar="DURATION", help="e.g. 7d (the default).")
@click.option("--max-parallel", type=int, default=None, metavar="N", help="Crawl processes at once (4).")
@click.option("--crawl-timeout", default=None, metavar="DURATION", help="Stop a crawl running longer (3h).")
@click.option("--stop-grace", default=None, metavar="DURATION", help="On SIGTERM, time crawls get to finish (2m).")
@click.option("--log-dir", default=None, metavar="DIR", help="Where crawl logs go (./kpu-archive-logs).")
@click.option(
    "--queue",
    default=None,
    envvar="KPU_QUEUE",
    metavar="URL",
    help="Put each job's sites on this redis:// queue for workers instead of crawling them here.",
)
@click.option("--warc", "warc_dir", default=None, metavar="DIR", help="Write every fetch as WARC files in DIR.")
def schedule(
    config_path: str | None,
    db: str | None,
    registry: str | None,
    sites: Sequence[str],
    exclude: Sequence[str],
    incremental_every: str | None,
    recheck_every: str | None,
    recheck_limit: int | None,
    full_every: str | None,
    max_parallel: int | None,
    crawl_timeout: str | None,
    stop_grace: str | None,
    log_dir: str | None,
    queue: str | None,
    warc_dir: str | None,
) -> None:
    """Keep the archive current: staggered incremental crawls, daily rechecks, weekly full crawls.

    Runs until SIGTERM or Ctrl-C.  Settings: defaults, then --config FILE (TOML), then these flags.

    Example: kpu-archive schedule --config kpu-schedule.toml
    """
    from archive.scheduler.config import ConfigError, load_config
    from archive.scheduler.lock import SchedulerError
    from archive.scheduler.service import serve

    try:
        config = load_config(
            config_path,
            include=tuple(sites) or None,
            exclude=tuple(exclude) or None,
            registry=registry,
            incremental_every=incremental_every,
            recheck_every=recheck_every,
            recheck_limit=recheck_limit,
            full_every=full_every,
            max_parallel=max_parallel,
            crawl_timeout=crawl_timeout,
            stop_grace=stop_grace,
            warc_dir=warc_dir,
            log_dir=log_dir,
            queue=queue,
        )
    except ConfigError as exc:
        fail(str(exc))
    reg = load_registry_or_fail(config.registry)
    try:
        chosen = reg.select([] if "all" in config.include else list(config.include))
        excluded = {s.host for s in reg.select(list(config.exclude))} if config.exclude else set()
    except KeyError as exc:
        fail(str(exc.args[0]))
    hosts = [s.host for s in chosen if s.host not in excluded]
    if not hosts:
        fail("no site left to schedule")
    db_url = resolve_url(db)
    for_writing(db_url).dispose()
    if config.registry:
        from dataclasses import replace

        config = replace(config, registry=str(reg.source))
    try:
        serve(config, db_url, hosts, announce=lambda line: click.echo(line, err=True))
    except SchedulerError as exc:
        fail(str(exc))


@click.command()
@db_option
def upgrade(db: str | None) -> None:
    """Upgrade an archive made by an older release to this release's schema (Alembic), in place.

    Example: kpu-archive upgrade --db kpu-archive.db
    """
    from archive.storage.db import ArchiveOutdated, ArchiveUnavailable, open_engine

    try:
        open_engine(db, readonly=True).dispose()
        click.echo("the archive is up to date", err=True)
        return
    except ArchiveOutdated:
        pass  # what this command is for
    except ArchiveUnavailable as exc:
        fail(str(exc))  # missing, or not an archive: upgrade creates nothing
    for_writing(db).dispose()
    click.echo("archive upgraded", err=True)
