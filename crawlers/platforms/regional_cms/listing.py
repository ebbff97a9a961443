"""Listing pages and the menu of the regional CMS: article links in page order, category ids."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urljoin

from lxml import html as lxml_html
from parsel import Selector

from ..base import Canonicaliser, ListingFields
from .dom import HEADINGS, in_chrome, text_of, unchanged_url, up_to
from .urls import LISTING_PATH_RE

TEASER_MIN = 40  # shorter than this, the words under a link are a date or a count, not the post's opening


def extract_listing(
    selector: Selector,
    page_url: str,
    canonicalise: Canonicaliser = unchanged_url,
    is_article: Callable[[str], bool] | None = None,
) -> ListingFields:
    """Article links of a listing page in page order, and the category heading above them."""
    root: lxml_html.HtmlElement = selector.root
    tree = root.getroottree()
    links: list[tuple[str, str]] = []
    titles: dict[str, str] = {}
    first_link = None
    anchors: list[tuple[lxml_html.HtmlElement, str]] = []
    for a in root.iter("a"):
        href = a.get("href")
        if not href:
            continue
        url = canonicalise(urljoin(page_url, href.strip()))
        if is_article is None or is_article(url):
            links.append((tree.getpath(a), url))
            anchors.append((a, url))
            text = text_of(a)
            if len(text) > len(titles.get(url, "")):
                titles[url] = text
            if first_link is None and not in_chrome(a):
                first_link = a
    label = None
    teasers = _teasers(root, [(a, url) for a, url in anchors if url in titles])
    if first_link is not None:
        for el in up_to(root, first_link, HEADINGS):  # the last heading before the first post
            if not in_chrome(el) and text_of(el):
                label = text_of(el)
    return ListingFields(label=label, links=links, titles=titles, teasers=teasers)


def _teasers(root: lxml_html.HtmlElement, anchors: list[tuple[lxml_html.HtmlElement, str]]) -> dict[str, str]:
    """The words a listing shows under each post: the text of the largest element around its links
    that holds no other post's link, less the link texts (title, "Selengkapnya")."""
    urls_in: dict[lxml_html.HtmlElement, set[str]] = {}
    for a, url in anchors:
        for el in a.iterancestors():
            urls_in.setdefault(el, set()).add(url)
    teasers: dict[str, str] = {}
    done: set[lxml_html.HtmlElement] = set()
    for a, url in anchors:
        item = None
        for el in a.iterancestors():
            if urls_in[el] != {url} or el is root:
                break
            item = el
        if item is None or item in done:
            continue  # a post's title and "Selengkapnya" links share one item: read it once
        done.add(item)
        text = text_of(item)
        for link_text in filter(None, map(text_of, item.iter("a"))):
            text = text.replace(link_text, " ", 1)
        teaser = " ".join(text.split())
        if len(teaser) > len(teasers.get(url, "")):
            teasers[url] = teaser
    return {url: teaser for url, teaser in teasers.items() if len(teaser) >= TEASER_MIN}


def extract_category_links(selector: Selector, base_url: str) -> dict[str, str]:
    """Category ids the site's menu links to, with their labels: ``{"104": "Berita Terkini"}``."""
    return menu_links(selector, base_url, LISTING_PATH_RE)


def menu_links(selector: Selector, base_url: str, pattern: re.Pattern[str]) -> dict[str, str]:
    """The first group of ``pattern`` for every link whose path it matches, with the first non-empty
    label: how each platform reads its menu (only the path shape differs)."""
    found: dict[str, str] = {}
    if not hasattr(selector.root, "iter"):
        return found  # a JSON answer where a page was expected: no menu
    for a in selector.root.iter("a"):
        href = a.get("href")
        if not href:
            continue
        path = re.sub(r"^[a-z]+://[^/]+", "", urljoin(base_url, href.strip()), flags=re.IGNORECASE).split("?")[0]
        if match := pattern.match(path):
            key = match.group(1).lower()
            found[key] = found.get(key) or text_of(a)
    return found
