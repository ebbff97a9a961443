"""``propagation``: for each KPU RI release, who re-posted it and how late; for each site, how much
of what KPU RI said it repeated."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click
from sqlalchemy.orm import Session

from archive.cli.archives import for_reading
from archive.cli.options import _date, db_option, format_option
from archive.cli.output import emit
from archive.read.propagation import NATIONAL_ZONE
from archive.read.propagation import propagation as measure

RELEASE_COLUMNS = ["kind", "site", "published", "title", "sites", "median_lag_hours", "provinces_without", "url"]
SITE_COLUMNS = ["kind", "site", "province", "level", "reposted", "releases", "share"]


@click.command()
@click.option(
    "--since", default=None, metavar="DATE", callback=_date, help="Releases published on or after DATE (WIB)."
)
@format_option("table", "csv", "jsonl", "json")
@db_option
def propagation(since: date | None, fmt: str, db: str | None) -> None:
    """How KPU RI's releases spread: per release, the regional sites that re-posted it, their median
    lag and the provinces with no copy; per site, the share of releases it re-posted.

    Example: kpu-archive propagation --since 2025-01-01
    """
    engine = for_reading(db)
    with Session(engine) as session:
        releases, shares = measure(session, since)
    engine.dispose()
    release_rows: list[dict[str, Any]] = [
        {"kind": "release", "site": r.host, "published": r.when.astimezone(NATIONAL_ZONE).isoformat(),
         "title": r.title, "sites": r.sites, "median_lag_hours": r.median_lag_hours,
         "provinces_without": r.provinces_without, "url": r.url}
        for r in releases
    ]  # fmt: skip
    site_rows: list[dict[str, Any]] = [
        {"kind": "site", "site": s.host, "province": s.province, "level": s.level, "reposted": s.reposted,
         "releases": s.releases, "share": round(s.share, 3) if s.share is not None else None}
        for s in shares
    ]  # fmt: skip
    if fmt == "json":  # one document: {"releases": [...], "sites": [...]}
        click.echo(json.dumps({"releases": release_rows, "sites": site_rows}, ensure_ascii=False, indent=1))
        return
    if fmt != "table":
        columns = RELEASE_COLUMNS + [c for c in SITE_COLUMNS if c not in RELEASE_COLUMNS]
        emit(release_rows + site_rows, fmt, columns)
        return
    click.echo(f"{len(releases)} national releases" + (f" since {since.isoformat()}" if since else ""))
    for r in release_rows:
        lag = "-" if r["median_lag_hours"] is None else f"{r['median_lag_hours']:.1f} h"
        missing = len(r["provinces_without"])
        when = r["published"][:16].replace("T", " ") + " WIB"
        click.echo(f"  {when}  {r['sites']:>4} regional sites  median lag {lag:>8}  "
                   f"{missing:>3} provinces without a copy  {r['title'] or '(untitled)'}")  # fmt: skip
    click.echo("share of national releases re-posted, per site:")
    for s in site_rows:
        share = "-" if s["share"] is None else f"{s['share'] * 100:.0f} %"
        click.echo(f"  {s['site']:<38} {s['province']:<26} {s['reposted']:>4}/{s['releases']:<4} {share:>6}")
