"""``export`` and ``search``: the archive's rows out, filtered the same way."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from archive.cli.app import fail
from archive.cli.archives import for_reading
from archive.cli.options import filter_options, format_option, limit_option
from archive.cli.output import emit, stdout_text
from archive.read.filters import Filters
from archive.read.search import SORTS
from archive.storage.models import SiteRow


def build_filters(
    engine: Engine,
    sites: Sequence[str],
    provinces: Sequence[str],
    levels: Sequence[str],
    categories: Sequence[str],
    since: date | None,
    until: date | None,
    query: str | None,
    one_per_cluster: bool,
    include_removed: bool = False,
) -> Filters:
    """Check the filters against the archive (unknown site or province: a clear error) and build them."""
    from archive.read.query_syntax import QueryError, parse_query

    if since and until and since > until:
        fail("--since is after --until")
    filters = Filters.of(query, sites, provinces, levels, categories, since, until, one_per_cluster, include_removed)
    hosts = filters.hosts
    with Session(engine) as session:
        known = set(session.scalars(select(SiteRow.host).where(SiteRow.host.in_(hosts)))) if hosts else set()
        known_provinces = {p.lower() for p in session.scalars(select(SiteRow.province).distinct())}
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


def check_target(out: str) -> Path | None:
    """Where ``--out`` may write: a regular file or a new one goes through a temporary file (returned);
    a FIFO, a character device or stdout (``-``) is written straight (None).  Anything else is refused."""
    if out == "-":
        return None
    target = Path(out)
    try:
        if target.is_symlink():
            fail(f"--out {out}: is a symbolic link; name the file it points to")
        if target.exists():
            mode = target.stat().st_mode
            if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
                return None
            if not stat.S_ISREG(mode):
                fail(f"--out {out}: not a regular file")
        folder = target.parent
        if not folder.is_dir():
            fail(f"--out {out}: folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            fail(f"--out {out}: folder {folder} is not writable")
    except OSError as exc:
        fail(f"--out {out}: {exc.strerror or exc}")
    if len(os.fsencode(target.name + ".manifest.json")) > 255:
        fail(f"--out {out}: file name too long")
    return target


@click.command()
@format_option("csv", "jsonl", "parquet")
@click.option(
    "--out",
    type=str,
    default=None,
    metavar="FILE",
    help="File to write, with FILE.manifest.json beside it (default: stdout, no manifest).",
)
@click.option("--excel", is_flag=True, help="CSV for Excel: a UTF-8 BOM (and CRLF line ends, as always).")
@click.option("--query", default=None, metavar="QUERY", help='Only articles matching a search, e.g. "pleno DPT".')
@click.option(
    "--include-removed", is_flag=True, help="Also export removed articles, with removed_at and removal_reason columns."
)
@click.option(
    "--include-versions",
    is_flag=True,
    help="One row per version (oldest first), with version, version_fetched_at, version_content_sha256.",
)
@filter_options
def export(
    fmt: str,
    out: str | None,
    excel: bool,
    query: str | None,
    include_removed: bool,
    include_versions: bool,
    sites: Sequence[str],
    provinces: Sequence[str],
    levels: Sequence[str],
    categories: Sequence[str],
    since: date | None,
    until: date | None,
    one_per_cluster: bool,
    db: str | None,
) -> None:
    """Export one row per article as CSV (UTF-8, RFC 4180), JSONL or Parquet.

    Removed articles are left out unless --include-removed is given.  With --out, a manifest
    (filters, snapshot time, software version, row count, SHA-256) is written beside the file.

    Example: kpu-archive export --format csv --out berita.csv --province Papua --since 2024-01-01
    """
    from archive.read.export import batch_writer, export_columns, read_batches, write_export
    from archive.read.read_ahead import read_ahead

    if excel and fmt != "csv":
        fail("--excel applies to --format csv")
    target = check_target(out) if out else None
    direct = out is not None and target is None
    if fmt == "parquet" and (not out or direct):
        fail("Parquet is binary: name a regular file with --out")
    engine = for_reading(db)
    filters = build_filters(
        engine, sites, provinces, levels, categories, since, until, query, one_per_cluster, include_removed
    )
    columns = export_columns(include_removed, include_versions)
    rows = read_ahead(read_batches(engine, filters, include_versions=include_versions))
    encoding = "utf-8-sig" if excel else "utf-8"
    try:
        if target is not None:
            manifest = write_export(engine, target, fmt, filters, include_versions=include_versions, excel=excel)
            click.echo(f"wrote {manifest['rows']} rows to {out} (manifest: {out}.manifest.json)", err=True)
        elif out is not None and out != "-":
            with open(out, "w", encoding=encoding, newline="") as handle:  # a pipe or a device, as it is
                batch_writer(fmt)(rows, handle, columns)
        else:
            with stdout_text(encoding) as stream:
                batch_writer(fmt)(rows, stream, columns)
    except BrokenPipeError:
        raise  # the reader (`| head`) has what it wanted: Click ends quietly, with exit 1
    except OSError as exc:
        fail(f"cannot write {out or 'stdout'}: {exc.strerror or exc}")
    finally:
        engine.dispose()


@click.command()
@click.argument("query")
@limit_option(20, "matches")
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="relevance",
    show_default=True,
    help="Best matches first, or newest first (date: unranked, rank left empty).",
)
@click.option("--count", "count_only", is_flag=True, help="Print only how many posts match.")
@format_option("table", "csv", "jsonl", "json")
@filter_options
def search(
    query: str,
    limit: int,
    sort: str,
    count_only: bool,
    fmt: str,
    sites: Sequence[str],
    provinces: Sequence[str],
    levels: Sequence[str],
    categories: Sequence[str],
    since: date | None,
    until: date | None,
    one_per_cluster: bool,
    db: str | None,
) -> None:
    """Full-text search: words, "phrases", OR, -exclusion, prefix*.  Best matches first.

    A query that starts with '-' goes after '--': kpu-archive search -- -pilkada pleno

    Example: kpu-archive search '"rekapitulasi DPT" OR pleno -pilkada' --province Papua --since 2024-01-01

    Example: kpu-archive search pleno --sort date --site kota-bandung.kpu.go.id

    Example: kpu-archive search '"daftar pemilih"' --count
    """
    from archive.read.search import count_matches
    from archive.read.search import search as run_search

    engine = for_reading(db)
    filters = build_filters(engine, sites, provinces, levels, categories, since, until, query, one_per_cluster)
    if count_only:
        click.echo(count_matches(engine, filters))
        engine.dispose()
        return
    hits = run_search(engine, filters, limit=limit, sort=sort)
    total = count_matches(engine, filters) if len(hits) == limit else len(hits)
    engine.dispose()
    columns = (
        list(hits[0])
        if hits
        else [
            "published_at",
            "site",
            "site_name",
            "province",
            "title",
            "category",
            "url",
            "archive_id",
            "cluster_id",
            "rank",
            "snippet",
            "matched_in",
            "attachment_sha256",
        ]
    )
    if fmt == "table":
        _search_table(hits)
    else:
        emit(hits, fmt, columns, wrapper="matches")
    click.echo(f"{len(hits)} of {total} matches" if hits else "no matches", err=True)


def _search_table(hits: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(expand=True)
    table.add_column("date", no_wrap=True, min_width=10)
    for name, ratio in (("site", 2), ("title", 3), ("snippet", 5)):
        table.add_column(name, ratio=ratio, overflow="fold")
    for hit in hits:
        snippet = Text("[in an attachment] " if hit.get("matched_in") == "attachment" else "", style="italic")
        for i, part in enumerate((hit["snippet"] or "").split("**")):  # the matches sit between ** marks
            snippet.append(part, style="bold yellow" if i % 2 else None)
        table.add_row((hit["published_at"] or "")[:10], hit["site"], hit["title"] or "", snippet)
    Console().print(table)
