"""``history``, ``runs``, ``clusters`` and ``status``: what the archive knows about posts, runs and sites."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.cli.app import fail
from archive.cli.archives import for_reading, for_writing
from archive.cli.options import db_option, format_option, limit_option, sites_option
from archive.cli.output import emit
from archive.domain.sites import normalise_host
from archive.storage.models import CrawlRun, SiteRow
from archive.vocab import ZONE_LABELS


def local(value: datetime | None, zone: str | None) -> str:
    """A moment in a site's own time, labelled (``2025-10-28 09:00 WIB``); UTC, labelled, without a zone."""
    if value is None:
        return "-"
    if zone is None:
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M ") + ZONE_LABELS.get(zone, zone)


@click.command()
@click.argument("url", metavar="URL|ARCHIVE_ID")
@format_option("table", "json")
@db_option
def history(url: str, fmt: str, db: str | None) -> None:
    """Print an article's versions with a unified diff between them, its URLs and its events.

    URL is any URL the article had, or the archive_id an export prints (host/native key).

    Example: kpu-archive history https://kab-ngawi.kpu.go.id/blog/read/123_judul
    """
    import json

    from archive.read.history import as_json, load_history, render

    engine = for_reading(db)
    found = load_history(engine, url)
    engine.dispose()
    if found is None:
        fail(f"no archived article at {url!r}")
    if fmt == "json":
        click.echo(json.dumps(as_json(found), ensure_ascii=False, indent=1))
        return
    for line in render(found):
        click.echo(line)


RUN_COLUMNS = [
    "run",
    "started_utc",
    "minutes",
    "mode",
    "status",
    "sites",
    "requests",
    "new",
    "updated",
    "unchanged",
    "removed",
    "restored",
    "errors",
]


@click.command()
@limit_option(20, "runs")
@format_option("table", "csv", "jsonl", "json")
@db_option
def runs(limit: int, fmt: str, db: str | None) -> None:
    """List crawl runs, newest first: mode, status, requests and what each found, errors per site.

    Example: kpu-archive runs --limit 5
    """
    engine = for_reading(db)
    with Session(engine) as session:
        found = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))
    engine.dispose()
    rows = [
        {
            "run": r.id,
            "started_utc": r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            "minutes": round((r.finished_at - r.started_at).total_seconds() / 60, 1) if r.finished_at else None,
            "mode": r.mode,
            "status": r.status,
            "sites": len(r.sites),
            "requests": r.requests,
            "new": r.articles_new,
            "updated": r.articles_updated,
            "unchanged": r.articles_unchanged,
            "removed": r.articles_removed,
            "restored": r.articles_restored,
            "errors": r.errors,
            "errors_per_site": {h: c["errors"] for h, c in sorted(r.per_site.items()) if c.get("errors")},
        }
        for r in found
    ]
    if fmt != "table":
        emit(rows, fmt, [*RUN_COLUMNS, "errors_per_site"], wrapper="runs")
    else:
        _runs_table(rows)
    if not rows:
        click.echo("no crawl runs yet", err=True)


def _runs_table(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    click.echo(
        f"{'run':>5}  {'started (UTC)':<19}  {'minutes':>7}  {'mode':<11}  {'status':<18}  {'sites':>5}  "
        f"{'requests':>8}  {'new':>6}  {'updated':>7}  {'unchanged':>9}  {'removed':>7}  {'restored':>8}  "
        f"{'errors':>6}"
    )
    for r in rows:
        minutes = "-" if r["minutes"] is None else f"{r['minutes']:.1f}"
        click.echo(
            f"{r['run']:>5}  {r['started_utc']:<19}  {minutes:>7}  {r['mode']:<11}  {r['status'][:18]:<18}  "
            f"{r['sites']:>5}  {r['requests']:>8}  {r['new']:>6}  {r['updated']:>7}  {r['unchanged']:>9}  "
            f"{r['removed']:>7}  {r['restored']:>8}  {r['errors']:>6}"
        )
        if r["errors_per_site"]:
            click.echo("       errors: " + ", ".join(f"{h} {n}" for h, n in r["errors_per_site"].items()))


@click.command()
@limit_option(20, "clusters")
@click.option("--site", default=None, metavar="HOST", help="Only clusters with a copy on this site.")
@click.option("--backfill", is_flag=True, help="First index articles archived before clustering existed (writes).")
@format_option("table", "csv", "jsonl", "json")
@db_option
def clusters(limit: int, site: str | None, backfill: bool, fmt: str, db: str | None) -> None:
    """List the largest syndication clusters: the origin, then each copy with its lag behind it.

    Example: kpu-archive clusters --limit 10
    """
    from archive.read.clusters import largest_clusters

    engine = for_writing(db) if backfill else for_reading(db)
    if backfill:
        from archive.ingest.clustering import backfill as backfill_clusters
        from archive.storage.db import write_transaction

        with write_transaction(engine) as session:
            click.echo(f"indexed {backfill_clusters(session)} articles", err=True)
    with Session(engine) as session:
        reports = largest_clusters(session, limit, normalise_host(site) if site else None)
        zones: dict[str, str] = {host: zone for host, zone in session.execute(select(SiteRow.host, SiteRow.timezone))}
    engine.dispose()
    rows = [
        {
            "cluster": r.id,
            "size": r.size,
            "site": c.host,
            "lag_hours": round(c.lag_hours, 1),
            "is_origin": c is r.origin,
            "when": c.when.astimezone(ZoneInfo(zones[c.host])).isoformat(),
            "when_is": "published" if c.dated else "first seen",
            "title": c.title,
            "url": c.url,
        }
        for r in reports
        for c in r.copies
    ]
    if fmt != "table":
        emit(rows, fmt, list(rows[0]) if rows else ["cluster", "size", "site"], wrapper="copies")
    for report in reports if fmt == "table" else []:
        origin = report.origin
        click.echo(f"cluster {report.id}: {report.size} copies on {len({c.host for c in report.copies})} sites")
        for copy in report.copies:
            lag = "origin" if copy is origin else f"+{copy.lag_hours:.1f} h"
            kind = "published" if copy.dated else "first seen"
            click.echo(
                f"  {lag:>10}  {copy.host:<34} {local(copy.when, zones[copy.host])} ({kind})  {(copy.title or '')[:60]}"
            )
        click.echo("")
    if not reports:
        click.echo("no syndication clusters", err=True)


@click.command()
@sites_option()
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@format_option("table", "json", "csv", "jsonl")
@db_option
def status(sites: Sequence[str], as_json: bool, fmt: str, db: str | None) -> None:
    """Per site: last run, last success, articles, newest article, consecutive failures, flags.

    Exits 1 when any site is failing (its last crawl failed, or its listings went empty).

    Example: kpu-archive status --json
    """
    import json

    from archive.read.status import site_statuses

    engine = for_reading(db)
    report = site_statuses(engine, [normalise_host(h) for h in sites] or None)
    engine.dispose()
    if sites and not report:
        fail("none of these sites is in the archive")
    failing = [s.host for s in report if s.failing]
    fmt = "json" if as_json else fmt
    if fmt == "json":
        click.echo(
            json.dumps({"sites": [s.as_json() for s in report], "failing": failing}, ensure_ascii=False, indent=1)
        )
    elif fmt in ("csv", "jsonl"):
        rows = [s.as_json() for s in report]
        emit(rows, fmt, list(rows[0]) if rows else ["host"])
    else:
        click.echo(
            f"{'site':<34} {'articles':>8}  {'newest article (local)':<22}  {'last run':<20}  {'result':<6}  "
            f"{'last success':<20}  {'fails':>5}  {'fallback':>8}  {'doubtful':>8}  flags"
        )
        for s in report:
            click.echo(
                f"{s.host:<34} {s.articles:>8}  {local(s.newest_article, s.timezone):<22}  "
                f"{local(s.last_run, None):<20}  {s.last_run_status or '-':<6}  "
                f"{local(s.last_success, None):<20}  {s.consecutive_failures:>5}  {s.fallback:>8}  {s.doubtful:>8}  "
                f"{','.join(s.flags)}"
            )
        click.echo(
            f"{len(report)} sites, {len(failing)} failing" + (f": {', '.join(failing)}" if failing else ""), err=True
        )
    if failing:
        sys.exit(1)
