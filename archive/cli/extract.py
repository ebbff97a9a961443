"""``extract``: the crawl's extraction on saved HTML files or WARC files, as ``scrapy parse`` is for
a spider.  From a WARC, every article page it holds is extracted, each with its record's id, so
re-extraction needs nothing but the WARCs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from archive.cli.app import fail
from archive.cli.options import format_option, registry_option
from archive.vocab import TIMEZONES


def _moment(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise click.BadParameter(f"{value!r} has no time zone (add +07:00, say)")
    return moment


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--url", default=None, metavar="URL", help="The page's URL (resolves its links; default: the file's).")
@click.option(
    "--timezone",
    type=click.Choice(TIMEZONES),
    default="Asia/Jakarta",
    show_default=True,
    help="The site's zone, for dates the page prints without one.",
)
@click.option(
    "--fetched-at",
    default=None,
    metavar="ISO",
    callback=_moment,
    help="When the page was fetched (year-less dates resolve before it) [default: now].",
)
@registry_option
@format_option("jsonl", "json")
def extract(
    files: Sequence[str], url: str | None, timezone: str, fetched_at: datetime, registry: str | None, fmt: str
) -> None:
    """Run the archive's extraction on saved HTML files: one record per file, with every field under
    its export name, which layer gave the body (extraction) and the checks it passed and failed.

    A FILE ending .warc or .warc.gz gives one record per article page in it (the site, its platform
    and time zone from the registry; the fetch time from the record), with warc_record_id.

    Example: kpu-archive extract page.html --url https://kab-ngawi.kpu.go.id/blog/read/1_x
    """
    from archive.storage.warc import is_warc

    records = []
    for name in files:
        path = Path(name)
        if is_warc(path):
            records += extract_warc(path, registry)
            continue
        try:
            html = path.read_bytes()
        except OSError as exc:
            fail(f"cannot read {name}: {exc.strerror or exc}")
        records.append({"file": name, **extract_page(html, url or path.resolve().as_uri(), timezone, fetched_at)})
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=1))
    else:
        for record in records:
            click.echo(json.dumps(record, ensure_ascii=False))


def extract_warc(path: Path, registry: str | None) -> list[dict[str, Any]]:
    """Each article page of one WARC file, extracted as the crawl did, by its site's platform."""
    from urllib.parse import urlsplit

    from archive.cli.archives import registry as load_registry
    from archive.domain.identity import article_ref
    from archive.domain.sites import Site
    from archive.storage.warc import iter_responses

    reg = load_registry(registry)
    by_netloc: dict[str, Site] = {}
    for each in reg:
        by_netloc[each.host] = by_netloc[urlsplit(each.fetch_base).netloc] = each
    records = []
    try:
        for response in iter_responses(path):
            site = by_netloc.get(urlsplit(response.url).netloc)
            if site is None or response.status != 200 or "html" not in response.content_type.lower():
                continue  # robots.txt, an API answer, an attachment, a site the registry does not know
            canonical = site.canonical_from_fetched(response.url)
            if (ref := article_ref(canonical)) is None or ref.host != site.host:
                continue  # a home or listing page
            when = datetime.fromisoformat(response.date.replace("Z", "+00:00"))
            page = extract_page(
                response.body, canonical, site.timezone, when, site.platform, site.canonical_from_fetched
            )
            records.append({"file": str(path), "warc_record_id": response.ref.record_id,
                            "warc_offset": response.ref.offset, "site": site.host, "fetched_at": when.isoformat(),
                            **page})  # fmt: skip
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    except Exception as exc:  # warcio's ArchiveLoadFailed, a broken gzip member
        fail(f"{path} is not a readable WARC file: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    return records


def extract_page(
    html: bytes, url: str, timezone: str, fetched_at: datetime, platform_name: str | None = None,
    canonicalise: Any = None,
) -> dict[str, Any]:  # fmt: skip
    """What the crawl would store for this page, by export column name."""
    from zoneinfo import ZoneInfo

    from scrapy.http import HtmlResponse

    from archive.domain.sites import DEFAULT_PLATFORM
    from crawlers.platforms import PLATFORMS
    from crawlers.platforms.referee import referee

    platform = PLATFORMS[platform_name or DEFAULT_PLATFORM]
    response = HtmlResponse(url, body=html)
    extra = {"canonicalise": canonicalise} if canonicalise else {}
    fields = platform.extract_article(response.selector, url, timezone=timezone, first_seen=fetched_at, **extra)
    fields = referee(fields, response)
    published = fields.published
    when = published.value if published else None
    return {
        "url": url, "title": fields.title, "category": fields.category,
        "published_at": when.astimezone(ZoneInfo(timezone)).isoformat() if when else None,
        "published_precision": published.precision if published else None,
        "published_source": fields.published_source, "published_text": published.text if published else None,
        "published_year_source": published.year_source if published else None,
        "credit": "; ".join(c for c in (fields.byline, fields.credit) if c) or None,
        "view_count": fields.view_count, "body_text": fields.body_text, "images": fields.images,
        "attachments": fields.attachments, "hashtags": fields.hashtags, "see_also": fields.see_also,
        "extraction": fields.extraction, "extraction_checks": fields.extraction_checks,
    }  # fmt: skip
