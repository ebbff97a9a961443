"""``sites``: the registry, as the crawl sees it."""

from __future__ import annotations

import click

from archive.cli.app import fail
from archive.cli.archives import registry as load
from archive.cli.options import format_option, registry_option
from archive.cli.output import emit
from archive.vocab import LEVELS

SITE_COLUMNS = ["host", "level", "province", "timezone", "host_source", "platform", "name"]


@click.command("sites")
@click.option("--level", type=click.Choice(LEVELS), default=None, help="Only sites of this level.")
@click.option("--province", default=None, metavar="NAME", help="Province name, e.g. 'Jawa Timur'.")
@format_option("table", "csv", "jsonl", "json")
@registry_option
def sites_command(level: str | None, province: str | None, fmt: str, registry: str | None) -> None:
    """List the sites of the registry (one line each; the count on stderr).

    Example: kpu-archive sites --province "Papua Pegunungan"
    """
    reg = load(registry)
    chosen = reg.select(level=level, province=province)
    if province and not chosen:
        fail(f"no site in province {province!r}")
    if fmt == "table":
        for s in chosen:
            click.echo(f"{s.host:<38} {s.level:<10} {s.province:<26} {s.timezone:<14} {s.host_source:<8} {s.name}")
    else:
        emit([{c: getattr(s, c) for c in SITE_COLUMNS} for s in chosen], fmt, SITE_COLUMNS, wrapper="sites")
    click.echo(f"{len(chosen)} sites", err=True)
