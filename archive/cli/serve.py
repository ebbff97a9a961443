"""``serve``: the archive in Datasette, read-only."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from archive.cli.app import fail
from archive.cli.archives import for_reading
from archive.cli.options import db_option
from archive.storage.db import resolve_url


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True, help="Port to listen on.")
def serve(db: str | None, host: str, port: int) -> None:
    """Browse the archive in Datasette, read-only: search, facets, canned queries.

    Example: kpu-archive serve --port 8001
    """
    import json

    from archive.read.browse import SETTINGS, metadata

    db_url = resolve_url(db)
    if not db_url.startswith("sqlite:///"):
        fail(
            "Datasette reads SQLite files only and this archive is on PostgreSQL; export it "
            "(kpu-archive export --format parquet --out …) or browse it with a PostgreSQL tool"
        )
    path = Path(db_url.removeprefix("sqlite:///"))
    for_reading(db_url).dispose()  # it must exist and be at this release's schema (kpu-archive upgrade)
    folder = Path(tempfile.mkdtemp(prefix="kpu-archive-serve-"))
    meta = folder / "metadata.json"
    meta.write_text(json.dumps(metadata(path.stem), ensure_ascii=False, indent=1), encoding="utf-8")
    from datasette.cli import cli as datasette

    click.echo(f"serving {path} read-only at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    settings = [arg for name, value in SETTINGS.items() for arg in ("--setting", name, str(value))]
    datasette.main(
        args=["serve", str(path), "--metadata", str(meta), "--host", host, "--port", str(port), *settings],
        prog_name="kpu-archive serve",
    )
