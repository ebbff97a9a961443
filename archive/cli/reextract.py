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
@registry_option
@db_option
def reextract(sites: Sequence[str], registry: str | None, db: str | None) -> None:
    """Re-run extraction over the raw HTML the archive keeps; add a version where the result changed.

    Nothing is fetched, so seen and checked times, URLs and removal state stay as they are.

    Example: kpu-archive reextract --site kab-ngawi
    """
    from scrapy.http import HtmlResponse

    from archive.domain.identity import article_ref
    from archive.ingest import IngestSession
    from archive.ingest.reads import stored_pages
    from crawlers.platforms import platform_for
    from crawlers.platforms.referee import referee
    from crawlers.spiders.outcomes import to_record

    reg = load_registry(registry)
    try:
        chosen = reg.select(sites) if sites else list(reg)
    except KeyError as exc:
        fail(str(exc.args[0]))
    engine = for_writing(db)
    session = IngestSession(engine, chosen, mode="reextract", run=False)
    results = []
    for page in stored_pages(engine, [s.host for s in chosen] if sites else None):
        site, ref = reg.get(page.host), article_ref(page.url)
        if site is None or ref is None:
            continue  # a site no longer in the registry: its pages keep what they have
        response = HtmlResponse(page.url, body=page.raw_html, status=page.http_status)
        platform = platform_for(site)
        fields = platform.extract_article(response.selector, page.url, timezone=page.timezone,
                                          first_seen=page.fetched_at, listing_label=page.category,
                                          canonicalise=site.canonical_from_fetched)  # fmt: skip
        fields = referee(fields, response)
        results += session.add(to_record(fields, ref, response, page.fetched_at, page.category_id, ()))
    results += session.flush()
    engine.dispose()
    changed = sum(r.outcome is Outcome.UPDATED for r in results)
    click.echo(f"re-extracted {len(results)} articles: {changed} changed (a new version each), "
               f"{len(results) - changed} unchanged")  # fmt: skip
