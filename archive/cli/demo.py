"""``demo``: serve bundled sample sites on 127.0.0.1, crawl them into an archive you keep, show it."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from pathlib import Path

import click
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from archive.cli.archives import for_reading, for_writing
from archive.cli.crawl import print_summary, run_crawl
from archive.storage.db import resolve_url
from archive.storage.models import Article, SiteRow

DEFAULT_DEMO_DB = "kpu-archive-demo.db"


@click.command()
@click.option(
    "--db",
    type=str,
    default=DEFAULT_DEMO_DB,
    show_default=True,
    metavar="PATH|URL",
    help="The archive to fill; it is kept, so you can explore it afterwards.",
)
@click.option(
    "--serve",
    "keep_serving",
    is_flag=True,
    help="Keep the sample sites running after the crawl (Ctrl-C stops), to try crawl and schedule.",
)
def demo(db: str, keep_serving: bool) -> None:
    """Serve bundled sample sites on 127.0.0.1, crawl them into an archive, show the result.

    Example: kpu-archive demo --serve
    """
    from crawlers.sample.server import demo_world, write_registry

    os.environ.setdefault("KPU_DOWNLOAD_DELAY", "0")  # the sample sites are local: no need to wait
    db_url = resolve_url(db)
    for_writing(db_url).dispose()
    shown = db_url.removeprefix("sqlite:///")
    world = demo_world()
    with world.serve() as base_urls:
        folder = (
            Path(shown).parent
            if keep_serving and db_url.startswith("sqlite:///")
            else Path(tempfile.mkdtemp(prefix="kpu-archive-demo-"))
        )
        registry = write_registry(folder / "kpu-archive-demo-sites.csv", world, base_urls)
        click.echo(f"serving {len(base_urls)} sample sites on 127.0.0.1; crawling into {shown}", err=True)
        run_id = run_crawl(list(base_urls), str(registry), db_url)
        print_summary(for_writing(db_url), run_id)
        _show_archive(for_reading(db_url))
        click.echo(
            f"\narchive: {shown}\n"
            f"  kpu-archive export --db {shown} --format csv --out demo.csv\n"
            f"  kpu-archive search --db {shown} pemilih\n"
            f"  kpu-archive clusters --db {shown}\n"
            f"  kpu-archive serve --db {shown}"
        )
        if keep_serving:
            click.echo(
                f"\nthe sample sites keep running (Ctrl-C stops them); try:\n"
                f"  kpu-archive crawl --all --registry {registry} --db {shown}\n"
                f"  kpu-archive schedule --registry {registry} --db {shown} --incremental-every 1m"
            )
            _wait_for_signal()


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(1.0):
        pass
    click.echo("stopped the sample sites", err=True)


def _show_archive(engine: Engine) -> None:
    from zoneinfo import ZoneInfo

    with Session(engine) as session:
        total = session.scalar(select(func.count(Article.id)))
        rows = session.execute(
            select(SiteRow.host, SiteRow.timezone, Article.published_at, Article.title)
            .join(SiteRow)
            .order_by(SiteRow.host, Article.published_at.desc())
        ).all()
    engine.dispose()
    click.echo(f"\n{total} articles archived:")
    for host, tz, published, title in rows:
        when = published.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %Z") if published else "(no date)"
        click.echo(f"  {host:<28} {when:<15} {(title or '')[:70]}")
