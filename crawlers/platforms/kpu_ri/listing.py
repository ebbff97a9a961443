"""KPU RI's news menu and listings: category ids from the menu, posts from the JSON API.

The HTML listing (``/berita/104/berita-terkini``) may be a JavaScript shell with no article links,
so a category is walked through ``/api/blogs/{id}?page=N``.  Where an answer is HTML after all (an
API that moved, a mirror), its article links are read as on any listing page.

An item's markup fields (the CMS schema's ``blog_desc`` is HTML, reference §7) are small fragments:
BeautifulSoup reads their text, which becomes the post's listed teaser, evidence the referee checks
the article body against.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from ..base import Canonicaliser, ListingFields
from ..fragments import looks_like_markup, read_fragment
from ..regional_cms.dom import unchanged_url
from ..regional_cms.listing import extract_listing as extract_html_listing
from ..regional_cms.listing import menu_links

TEASER_FIELDS = ("blog_desc", "description", "excerpt", "summary", "content")  # plain-text fields read as teasers
MENU_PATH_RE = re.compile(r"^/berita/(?P<cat>\d+)(?:/[^/?#]*)?/?$", re.IGNORECASE)


def listing_url(base: str, category: str, page: int) -> str:
    """The API page of one category: ``/api/blogs/{id}?page=N``."""
    return f"{base.rstrip('/')}/api/blogs/{category}?page={page}"


def html_listing_url(base: str, category: str, label: str | None, page: int) -> str:
    """The HTML listing of a category, ``/berita/104/berita-terkini?page=N``: walked where the API is gone."""
    slug = re.sub(r"[^a-z0-9]+", "-", (label or "berita").lower()).strip("-") or "berita"
    return f"{base.rstrip('/')}/berita/{category}/{slug}?page={page}"


def extract_category_links(selector: Selector, base_url: str) -> dict[str, str]:
    """News categories the home page's menu links to: ``{"104": "Berita Terkini"}``."""
    return menu_links(selector, base_url, MENU_PATH_RE)


def _payload(selector: Selector) -> Any:
    """The API's JSON, whether Scrapy saw a JSON response or an HTML-typed one holding JSON."""
    if isinstance(selector.root, (dict, list)):
        return selector.root
    text = selector.root.text_content().strip() if hasattr(selector.root, "text_content") else ""
    if text.startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            return None
    return None


def extract_listing(
    selector: Selector,
    page_url: str,
    canonicalise: Canonicaliser = unchanged_url,
    is_article: Callable[[str], bool] | None = None,
) -> ListingFields:
    """The posts of one API page in its order (newest first), each with its listed title and
    ``created_at``; an HTML answer is read for its article links instead."""
    payload = _payload(selector)
    if payload is None:
        fields = extract_html_listing(selector, page_url, canonicalise, is_article)
        fields.source = "html"
        return fields
    page = payload.get("data") if isinstance(payload, dict) else None
    items = page.get("data") if isinstance(page, dict) else page
    links: list[tuple[str, str]] = []
    titles: dict[str, str] = {}
    dates: dict[str, str] = {}
    teasers: dict[str, str] = {}
    for position, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or not str(item.get("id") or "").isdigit() or not item.get("post_slug"):
            continue
        url = canonicalise(urljoin(page_url, f"/berita/baca/{item['id']}/{item['post_slug']}"))
        if is_article is not None and not is_article(url):
            continue
        links.append((f"data[{position}]", url))
        if isinstance(item.get("blog_name"), str) and item["blog_name"].strip():
            titles[url] = " ".join(item["blog_name"].split())
        if isinstance(item.get("created_at"), str) and item["created_at"].strip():
            dates[url] = item["created_at"].strip()
        if teaser := _teaser(item, page_url):
            teasers[url] = teaser
    return ListingFields(label=None, links=links, titles=titles, teasers=teasers, dates=dates, source="api")


def _teaser(item: dict[str, Any], page_url: str) -> str | None:
    """The longest text among the item's markup fields and its named description fields."""
    texts = []
    for key, value in item.items():
        if not isinstance(value, str) or not value.strip() or key in ("blog_name", "post_slug", "created_at"):
            continue
        if key.endswith("_eng"):  # the English twin of a field: not what the page shows
            continue
        if looks_like_markup(value):
            texts.append(read_fragment(value, page_url).text.replace("\n\n", " "))
        elif key in TEASER_FIELDS:
            texts.append(" ".join(value.split()))
    return max(texts, key=len) if any(texts) else None
