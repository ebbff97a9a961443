"""``doctor``: the first thing to run when a site changes.  It fetches the home page, one listing page
and a few articles, and shows what each extraction layer found and which checks failed."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

import click

from archive.cli.app import fail
from archive.cli.archives import registry as load_registry
from archive.cli.options import format_option, registry_option


def fetch(url: str, user_agent: str, timeout: float = 30) -> tuple[str, bytes]:
    """(final URL, body) of one polite GET; an HTTP error or an unreachable host raises OSError."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (http and https only)
        return answer.geturl(), answer.read(16 * 1024 * 1024)


def _already(text: str) -> Any:
    """The generic layer's result, computed once for the report, as the referee's generic layer."""

    def generic(html: bytes | str, url: str) -> str:
        return text

    return generic


@click.command()
@click.option("--site", required=True, metavar="HOST", help="The site to examine: kab-ngawi or kab-ngawi.kpu.go.id.")
@click.option(
    "--articles",
    type=click.IntRange(1, 20),
    default=3,
    show_default=True,
    metavar="N",
    help="How many articles of the first listing page to examine.",
)
@registry_option
@format_option("table", "json")
def doctor(site: str, articles: int, registry: str | None, fmt: str) -> None:
    """Fetch a site's home page, one listing page and a few articles; show what each extraction layer
    found and which checks failed.  It writes nothing.

    Example: kpu-archive doctor --site kab-ngawi
    """
    from scrapy.http import HtmlResponse

    from archive.domain.identity import article_ref
    from crawlers import settings
    from crawlers.platforms import platform_for

    reg = load_registry(registry)
    try:
        chosen = reg[site]
    except KeyError as exc:
        fail(str(exc.args[0]))
    platform = platform_for(chosen)

    def page(url: str) -> HtmlResponse:
        try:
            final, body = fetch(chosen.fetch_url(url) if url.startswith("https://") else url, settings.USER_AGENT)
        except (OSError, ValueError) as exc:
            fail(f"{chosen.host}: cannot fetch {url}: {getattr(exc, 'reason', None) or exc}")
        return HtmlResponse(chosen.canonical_from_fetched(final), body=body)

    home = page(chosen.canonical_base + "/")
    categories = platform.category_links(home.selector, home.url) or dict.fromkeys(platform.fallback_categories, "")
    category = next(iter(categories))
    listing = page(platform.listing_url(chosen.canonical_base, category, 1))
    links = platform.extract_listing(
        listing.selector,
        listing.url,
        chosen.canonical_from_fetched,
        lambda u: (r := article_ref(u)) is not None and r.host == chosen.host,
    )
    report: dict[str, Any] = {
        "site": chosen.host,
        "platform": platform.name,
        "categories": categories,
        "listing": listing.url,
        "listed": len(links.article_urls),
        "articles": [],
    }
    for url in links.article_urls[:articles]:
        listed = (links.titles.get(url), links.teasers.get(url))
        report["articles"].append(examine(page(url), url, chosen, listed, links.dates.get(url)))
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        _print(report)
    if not report["listed"]:
        click.echo("\nno article link on the first listing page: the template may have changed", err=True)


def examine(
    response: Any,
    url: str,
    site: Any,
    listed: tuple[str | None, str | None] = (None, None),
    listed_published: str | None = None,
) -> dict[str, Any]:
    """One article as each layer sees it: its body, its checks (against the page and what the listing
    showed of it: title, teaser), and which layer the referee chose."""
    from crawlers.platforms import platform_for
    from crawlers.platforms.generic import generic_body
    from crawlers.platforms.referee import Listed, check, page_evidence, referee, title_check

    fields = platform_for(site).extract_article(
        response.selector,
        url,
        timezone=site.timezone,
        first_seen=datetime.now(UTC),
        canonicalise=site.canonical_from_fetched,
        listed_published=listed_published,
    )
    page = page_evidence(response.selector.root)
    generic = generic_body(response.body, url)
    evidence = Listed(*listed)
    judged = referee(fields, response, generic=_already(generic), listed=evidence)
    title = {"listed_title": title_check(fields.title, evidence.title)}
    return {
        "url": url, "title": fields.title, "published_at": fields.published.value.isoformat()
        if fields.published and fields.published.value else None, "chosen": judged.extraction,
        "layers": {"cms": {"chars": len(fields.body_text), "start": fields.body_text[:100],
                           "checks": {**check(fields.body_text, page, evidence.teaser), **title}},
                   "generic": {"chars": len(generic), "start": generic[:100],
                               "checks": {**check(generic, page, evidence.teaser), **title}}},
    }  # fmt: skip


def _print(report: dict[str, Any]) -> None:
    click.echo(f"{report['site']} ({report['platform']}): {len(report['categories'])} categories; "
               f"{report['listing']}: {report['listed']} article links")  # fmt: skip
    for item in report["articles"]:
        click.echo(f"\n{item['url']}\n  title     {item['title']}\n  published {item['published_at'] or '-'}")
        for name, layer in item["layers"].items():
            failed = [k for k, v in layer["checks"].items() if v is False] or ["none"]
            mark = "*" if name == item["chosen"] else " "
            click.echo(f" {mark}{name:<8} {layer['chars']:>6} chars  failed: {', '.join(failed):<22} "
                       f"{layer['start'][:60]!r}")  # fmt: skip
