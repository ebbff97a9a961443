"""``reextract``: the current extractor over the raw pages the archive keeps, so a fix reaches old
posts without a crawl; a changed result becomes a new version."""

from __future__ import annotations

from collections.abc import Sequence

import click

from archive.cli.app import fail
from archive.cli.archives import for_writing
from archive.cli.archives import registry as load_registry
from archive.cli.options import db_option, registry_option, sites_option
from archive.vocab import Outcome


@click.command()
@sites_option("Only these sites (repeatable; default every site in the archive).")
@click.option(
    "--warc",
    "warc_dir",
    default=None,
    metavar="DIR",
    help="Read each page from its WARC record in DIR (where the crawl wrote one) instead of the archive's copy.",
)
@registry_option
@db_option
def reextract(sites: Sequence[str], warc_dir: str | None, registry: str | None, db: str | None) -> None:
    """Re-run extraction over the raw HTML the archive keeps; add a version where the result changed.

    Nothing is fetched, so seen and checked times, URLs and removal state stay as they are.
    With --warc DIR the pages come from the WARC files the crawl wrote (``crawl --warc DIR``).

    Example: kpu-archive reextract --site kab-ngawi
    """
    from pathlib import Path

    from scrapy import Request
    from scrapy.http import HtmlResponse

    from archive.domain.identity import article_ref
    from archive.ingest import IngestSession
    from archive.ingest.reads import stored_pages
    from archive.storage.warc import read_response
    from crawlers.platforms import platform_for
    from crawlers.platforms.referee import referee
    from crawlers.spiders.outcomes import to_record

    reg = load_registry(registry)
    try:
        chosen = reg.select(sites) if sites else list(reg)
    except KeyError as exc:
        fail(str(exc.args[0]))
    if warc_dir and not Path(warc_dir).is_dir():
        fail(f"no WARC directory {warc_dir}")
    engine = for_writing(db)
    from_warc = 0
    session = IngestSession(engine, chosen, mode="reextract", run=False)
    results = []
    for page in stored_pages(engine, [s.host for s in chosen] if sites else None):
        site, ref = reg.get(page.host), article_ref(page.url)
        if site is None or ref is None:
            continue  # a site no longer in the registry: its pages keep what they have
        body = page.raw_html
        if warc_dir and page.warc is not None:
            try:
                body = read_response(Path(warc_dir), page.warc).body
                from_warc += 1
            except (OSError, ValueError, StopIteration) as exc:
                fail(f"cannot read {page.url} from {page.warc.file}: {exc}")
        request = Request(page.url, meta={"warc": page.warc} if page.warc else {})
        response = HtmlResponse(page.url, body=body, status=page.http_status, request=request)
        platform = platform_for(site)
        fields = platform.extract_article(response.selector, page.url, timezone=page.timezone,
                                          first_seen=page.fetched_at, listing_label=page.category,
                                          canonicalise=site.canonical_from_fetched)  # fmt: skip
        fields = referee(fields, response)
        results += session.add(to_record(fields, ref, response, page.fetched_at, page.category_id, ()))
    results += session.flush()
    engine.dispose()
    changed = sum(r.outcome is Outcome.UPDATED for r in results)
    read = f"; {from_warc} read from WARC" if warc_dir else ""
    click.echo(f"re-extracted {len(results)} articles: {changed} changed (a new version each), "
               f"{len(results) - changed} unchanged{read}")  # fmt: skip
