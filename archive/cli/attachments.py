"""``attachments``: the documents the archive keeps, and their lineage across posts and sites."""

from __future__ import annotations

import re

import click

from archive.cli.app import fail
from archive.cli.archives import for_reading
from archive.cli.options import db_option, format_option
from archive.cli.output import emit
from archive.domain.sites import normalise_host
from archive.read.attachments import lineage

COLUMNS = ["sha256", "size", "content_type", "text_source", "text_chars", "first_fetched_at", "first_fetched_site",
           "first_posted_by", "first_post", "sites", "posts", "path"]  # fmt: skip


@click.command()
@click.option("--sha256", "sha256", default=None, metavar="HASH", help="Only this file.")
@click.option("--site", default=None, metavar="HOST", help="Only the files this site's posts carry.")
@format_option("table", "csv", "jsonl", "json")
@db_option
def attachments(sha256: str | None, site: str | None, fmt: str, db: str | None) -> None:
    """List the attachments kept (once per SHA-256), the posts and sites that carry each, and who
    posted it first.  The files are in the store beside the archive, under their ``path``.

    Example: kpu-archive attachments --site kab-ngawi
    """
    if sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
        fail(f"--sha256 must be 64 hexadecimal digits, not {sha256!r}")
    engine = for_reading(db)
    rows = lineage(engine, sha256, normalise_host(site) if site else None)
    engine.dispose()
    if fmt != "table":
        emit(rows, fmt, COLUMNS, wrapper="attachments")
        return
    if not rows:
        click.echo("no attachments" + (" match" if sha256 or site else " kept yet"), err=True)
        return
    for row in rows:
        click.echo(f"{row['sha256'][:16]}…  {row['size']:>10,} B  {row['content_type'] or '?':<28} "
                   f"{row['sites']} sites, {len(row['posts'])} posts; "
                   f"first posted by {row['first_posted_by']}")  # fmt: skip
        for post in row["posts"]:
            when = (post["published_at"] or "undated")[:16]
            mark = "" if post["status"] == "live" else f" [{post['status']}]"
            click.echo(f"    {when:<16}  {post['archive_id']}{mark}  {post['title'] or ''}")
