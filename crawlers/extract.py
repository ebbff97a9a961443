"""Turn one page of the regional KPU CMS into fields: pure functions over a parsed page.

Only the real pages' text is known, not their HTML (reference §2, §7), so nothing here rests on
class names.  The layers are:

1. document structure: the body is the block holding the most paragraph text outside
   ``nav``/``header``/``footer``/``aside`` and their ARIA roles; the title is the heading just
   before it;
2. the text anchors the reference names: the category label printed before the title,
   ``Bagikan:`` and ``facebook twitter whatapps`` (the share box), ``Telah dilihat N kali``,
   ``Baca juga``, ``Oleh:``, the trailing ``(…)``/``[…]`` credit;
3. fallbacks: ``og:title`` and ``<title>`` for the title, the listing's heading for the category.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

import nh3
from lxml import html as lxml_html
from parsel import Selector

from .dates import FoundDate, parse_body_date, parse_metadata_date
from .urls import LISTING_PATH_RE, is_document

CHROME_TAGS = {"nav", "header", "footer", "aside", "form", "script", "style", "noscript", "template",
               "iframe", "button", "select", "svg", "head"}
CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
BLOCK_TAGS = {"p", "div", "section", "article", "main", "blockquote", "pre", "table", "tr", "figure",
              "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
              "center", "address", "hr", "tbody", "thead"}
HEADINGS = ("h1", "h2", "h3")
INLINE_TAGS = {"a", "span", "strong", "b", "em", "i", "u", "font", "small", "sup", "sub", "img", "br"}
SAFE_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "ul", "ol", "li", "a", "img",
             "figure", "figcaption", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "thead",
             "tbody", "tr", "td", "th", "caption", "hr"}
SAFE_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
                   "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}

SHARE_RE = re.compile(r"^\s*bagikan\s*:?", re.IGNORECASE)
SHARE_ONLY_RE = re.compile(
    r"^\s*(?:bagikan\s*:?)?(?:\s*(?:facebook|twitter|whatapps|whatsapp|telegram|linkedin|email|x|copy link"
    r"|salin tautan|share)\s*)+$",
    re.IGNORECASE,
)
VIEWS_RE = re.compile(r"telah\s+dilihat\s+([\d.,]+)\s+kali", re.IGNORECASE)
SEE_ALSO_RE = re.compile(r"^\s*baca\s+juga\s*:?\s*", re.IGNORECASE)
BYLINE_RE = re.compile(r"^\s*oleh\s*:?\s+(?P<who>\S.{1,200}?)\s*$", re.IGNORECASE)
CREDIT_RE = re.compile(r"(?:^|[.!?”\"'])\s*[(\[]\s*(?P<credit>[^()\[\]\n]{1,160}?)\s*[)\]]\s*\.?\s*$")
HASHTAG_RE = re.compile(r"(?<![\w&#/])#([A-Za-z][A-Za-z0-9_]{1,80})")
WS_RE = re.compile(r"[ \t\r\f\v\u00a0\u200b\u3000]+")
DATE_ONLY_RE = re.compile(r"^[\d\s/.,-]+$|^(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad)\b",
                          re.IGNORECASE)


@dataclass(slots=True)
class ArticleFields:
    """What one article page states, and nothing it does not state."""

    title: str | None
    title_source: str  # "og:title", "heading", "html-title" or "none"
    category: str | None
    category_source: str  # "page", "listing" or "none"
    body_text: str
    body_html: str
    credit: str | None = None
    byline: str | None = None
    view_count: int | None = None
    hashtags: list[str] = field(default_factory=list)
    images: list[dict[str, str | None]] = field(default_factory=list)
    attachments: list[dict[str, str | None]] = field(default_factory=list)
    see_also: list[dict[str, str | None]] = field(default_factory=list)
    published: FoundDate | None = None
    published_source: str = "none"  # "metadata", "body" or "none"


@dataclass(slots=True)
class ListingFields:
    label: str | None
    links: list[tuple[str, str]]  # (position in the page, canonical URL): the position tells chrome apart
    titles: dict[str, str] = field(default_factory=dict)  # URL -> its longest link text (the listed title)

    @property
    def article_urls(self) -> list[str]:
        return list(dict.fromkeys(url for _, url in self.links))


Canonicaliser = Callable[[str], str]


def _identity(url: str) -> str:
    return url


# --------------------------------------------------------------------------------------------
# helpers over the lxml tree


def clean_space(text: str) -> str:
    return WS_RE.sub(" ", text).strip()


def _is_chrome(el: lxml_html.HtmlElement) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag in CHROME_TAGS or (el.get("role") or "").lower() in CHROME_ROLES or el.get("hidden") is not None


def _in_chrome(el: lxml_html.HtmlElement) -> bool:
    node: lxml_html.HtmlElement | None = el
    while node is not None:
        if _is_chrome(node):
            return True
        node = node.getparent()
    return False


def _text(el: lxml_html.HtmlElement) -> str:
    return clean_space(el.text_content())


def _own_text_len(el: lxml_html.HtmlElement) -> int:
    """Length of text directly inside ``el`` that is not link text (a paragraph's worth)."""
    total = len((el.text or "").strip())
    for child in el:
        if not isinstance(child.tag, str):
            total += len((child.tail or "").strip())
            continue
        if child.tag != "a" and child.tag not in BLOCK_TAGS and not _is_chrome(child):  # link text is not prose
            total += len(child.text_content().strip()) - sum(len(a.text_content().strip()) for a in child.iter("a"))
        total += len((child.tail or "").strip())
    return total


def _iter_elements(root: lxml_html.HtmlElement, tags: Iterable[str] | None = None) -> Iterator[lxml_html.HtmlElement]:
    """Elements outside page chrome, in document order (chrome subtrees are skipped whole)."""
    wanted = set(tags) if tags else None
    stack = [root]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str) or _is_chrome(el):
            continue
        if wanted is None or el.tag in wanted:
            yield el
        stack.extend(reversed(el))


def find_body_container(root: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """The element whose direct paragraphs and text runs hold the most non-link text."""
    scores: dict[lxml_html.HtmlElement, int] = {}
    for el in _iter_elements(root):
        if el.tag in ("p", "li", "blockquote", "h4", "h5", "h6", "pre"):
            parent = el.getparent()
            holder = parent.getparent() if el.tag == "li" and parent is not None else parent
            if holder is not None:
                scores[holder] = scores.get(holder, 0) + _own_text_len(el)
        elif el.tag in ("div", "section", "article", "td", "main", "span", "font", "center"):
            own = _own_text_len(el)
            if own > 20:
                scores[el] = scores.get(el, 0) + own
    if not scores:
        return None
    best = max(scores.items(), key=lambda kv: kv[1])
    return best[0] if best[1] > 0 else None


def _doc_order(root: lxml_html.HtmlElement) -> dict[lxml_html.HtmlElement, int]:
    return {el: i for i, el in enumerate(root.iter())}


def _first_text_element(container: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    for el in container.iter():
        if isinstance(el.tag, str) and el is not container and (el.text or "").strip():
            return el
    return container


def find_title_element(root: lxml_html.HtmlElement, container: lxml_html.HtmlElement | None,
                       order: dict[lxml_html.HtmlElement, int]) -> lxml_html.HtmlElement | None:
    """The heading nearest before the body's first text: an ``h1`` when there is one, else h2/h3."""
    limit = order.get(_first_text_element(container), len(order)) if container is not None else len(order)
    best: dict[str, lxml_html.HtmlElement] = {}
    for el in _iter_elements(root, HEADINGS):
        if order.get(el, 0) <= limit and _text(el):
            best[el.tag] = el  # keeps the last (nearest) of each level
    for level in HEADINGS:
        if level in best:
            return best[level]
    return None


def _meta(root: lxml_html.HtmlElement, *keys: str) -> str | None:
    for key in keys:
        for attr in ("property", "name", "itemprop"):
            values = root.xpath(f'//meta[@{attr}="{key}"]/@content')
            for value in values:
                if value.strip():
                    return clean_space(value)
    return None


def _json_ld_dates(root: lxml_html.HtmlElement) -> Iterator[str]:
    for script in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                if isinstance(node.get("datePublished"), str):
                    yield node["datePublished"]
                stack.extend(v for v in node.values() if isinstance(v, (list, dict)))


def _strip_site_suffix(title: str) -> str:
    return re.split(r"\s+[|–—-]\s+(?=[^|–—-]*(?:KPU|KIP|Komisi))", title)[0].strip()


def _same(a: str | None, b: str | None) -> bool:
    return bool(a and b) and clean_space(a).casefold() == clean_space(b).casefold()  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------
# body text


def paragraphs_of(el: lxml_html.HtmlElement) -> list[str]:
    """Readable text of ``el``: blocks as paragraphs, ``<br>`` as a line break, list items one per line."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        joined = "".join(buf)
        buf.clear()
        for para in re.split(r"\n[ \t\u00a0]*\n", joined):
            lines = [clean_space(line) for line in para.split("\n")]
            text = "\n".join(line for line in lines if line)
            if text:
                out.append(text)

    def walk(node: lxml_html.HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else None
        if tag is None or _is_chrome(node):
            return
        if tag == "br":
            buf.append("\n")
            return
        if tag in ("ul", "ol"):
            flush()
            items = [li for li in node if isinstance(li.tag, str) and li.tag == "li"]
            lines = []
            for number, li in enumerate(items, start=1):
                text = " ".join(paragraphs_of(li)).replace("\n", " ")
                if text:
                    lines.append(f"{number}. {text}" if tag == "ol" else text)
            if lines:
                out.append("\n".join(lines))
            return
        block = tag in BLOCK_TAGS
        if block:
            flush()
        if node.text:
            buf.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if block or tag in ("td", "th"):
            flush() if block else buf.append(" ")

    if el.text:
        buf.append(el.text)
    for child in el:
        walk(child)
        if child.tail:
            buf.append(child.tail)
    flush()
    return out


def _remove(el: lxml_html.HtmlElement) -> None:
    if el.getparent() is not None:
        el.drop_tree()


def _remove_share_and_after(body: lxml_html.HtmlElement) -> None:
    """Drop the share box ("Bagikan:" then the network names) and everything after it."""
    share = None
    for el in body.iter():
        if not isinstance(el.tag, str) or el is body or el.tag in INLINE_TAGS:
            continue
        if SHARE_RE.match(el.text or "") or SHARE_ONLY_RE.match(_text(el) or "-"):
            share = el
            break
    if share is None:
        return
    node = share
    while node is not None and node is not body:
        for sibling in list(node.itersiblings()):
            _remove(sibling)
        node = node.getparent()
    _remove(share)


def _drop_leading(paragraphs: list[str], title: str | None, category: str | None) -> list[str]:
    """Remove the category label and repeated titles printed above the body."""
    out = list(paragraphs)
    while out and (_same(out[0], title) or _same(out[0], category)):
        out.pop(0)
    return out


def _cut_boilerplate(paragraphs: list[str]) -> list[str]:
    """Text-level pass for what markup did not separate: share box, view counter."""
    kept: list[str] = []
    for para in paragraphs:
        if SHARE_RE.match(para) or SHARE_ONLY_RE.match(para):
            break
        lines = [line for line in para.split("\n") if not VIEWS_RE.fullmatch(line.strip())]
        if lines:
            kept.append("\n".join(lines))
    return kept


# --------------------------------------------------------------------------------------------
# public entry points


def extract_article(
    selector: Selector,
    page_url: str,
    *,
    timezone: str,
    first_seen: datetime,
    listing_label: str | None = None,
    canonicalise: Canonicaliser = _identity,
) -> ArticleFields:
    """All fields of one article page; ``page_url`` is the canonical URL of the page."""
    root: lxml_html.HtmlElement = selector.root
    order = _doc_order(root)
    container = find_body_container(root)
    title_el = find_title_element(root, container, order)

    og_title = _meta(root, "og:title")
    title_tag = root.find(".//title")
    html_title = _text(title_tag) if title_tag is not None else ""
    if og_title:
        title, title_source = og_title, "og:title"
    elif title_el is not None:
        title, title_source = _text(title_el), "heading"
    elif html_title:
        title, title_source = _strip_site_suffix(html_title), "html-title"
    else:
        title, title_source = None, "none"

    category = _category_before(title_el)
    category_source = "page" if category else "none"
    if not category and listing_label:
        category, category_source = listing_label, "listing"

    view_count = _view_count(root)
    published, published_source = _metadata_date(root, container, timezone)
    if container is None:
        return ArticleFields(title=title, title_source=title_source, category=category,
                             category_source=category_source, body_text="", body_html="",
                             view_count=view_count, published=published, published_source=published_source)

    body = _body_fragment(root, order, title_el, container)
    _absolutise(body, page_url, canonicalise)
    _remove_share_and_after(body)
    for el in list(body.iter()):
        if not isinstance(el.tag, str) or el is body or el.getparent() is None:
            continue
        # text_content() only where it can matter: it is the costly call in this per-element loop
        repeated_heading = el.tag in HEADINGS and (_same(_text(el), title) or _same(_text(el), category))
        view_counter = (el.tag not in INLINE_TAGS and "dilihat" in (el.text or "").lower()
                        and VIEWS_RE.fullmatch(_text(el)))
        if _is_chrome(el) or repeated_heading or view_counter:
            _remove(el)

    see_also = _take_see_also(body)
    paragraphs = _cut_boilerplate(_drop_leading(paragraphs_of(body), title, category))
    body_text = "\n\n".join(paragraphs)
    hashtags = list(dict.fromkeys(HASHTAG_RE.findall(body_text)))

    if published is None:
        found = parse_body_date(body_text, timezone, first_seen)
        if found:
            published, published_source = found, "body"

    return ArticleFields(
        title=title, title_source=title_source, category=category, category_source=category_source,
        body_text=body_text, body_html=_sanitise(body), credit=_trailing_credit(paragraphs),
        byline=_byline(paragraphs), view_count=view_count, hashtags=hashtags, images=_images(body),
        attachments=_attachments(body), see_also=see_also, published=published,
        published_source=published_source,
    )


def _body_fragment(root: lxml_html.HtmlElement, order: dict[lxml_html.HtmlElement, int],
                   title_el: lxml_html.HtmlElement | None,
                   container: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """A detached copy of what a reader sees as the body: whatever stands between the title and
    the main text block (an editor's date line, a lead photo), then the main text block itself."""
    fragment = lxml_html.Element("div")
    if title_el is not None:
        start, end = order.get(title_el, 0), order.get(container, 0)
        skip = set(container.iterancestors())
        for el in root.iter():
            position = order.get(el, 0)
            if position >= end:
                break
            if position <= start or not isinstance(el.tag, str) or el in skip:
                continue
            skip.update(el.iter())  # take the topmost element only, never its children again
            if title_el in el.iterancestors() or _in_chrome(el):
                continue
            piece = copy.deepcopy(el)
            piece.tail = None
            fragment.append(piece)
    fragment.append(copy.deepcopy(container))
    return fragment


def extract_listing(selector: Selector, page_url: str, canonicalise: Canonicaliser = _identity,
                    is_article: Callable[[str], bool] | None = None) -> ListingFields:
    """Article links of a listing page in page order, and the category heading above them."""
    root: lxml_html.HtmlElement = selector.root
    tree = root.getroottree()
    links: list[tuple[str, str]] = []
    titles: dict[str, str] = {}
    first_link = None
    for a in root.iter("a"):
        href = a.get("href")
        if not href:
            continue
        url = canonicalise(urljoin(page_url, href.strip()))
        if is_article is None or is_article(url):
            links.append((tree.getpath(a), url))
            text = _text(a)
            if len(text) > len(titles.get(url, "")):
                titles[url] = text
            if first_link is None and not _in_chrome(a):
                first_link = a
    label = None
    if first_link is not None:
        order = _doc_order(root)
        limit = order.get(first_link, 0)
        for el in _iter_elements(root, HEADINGS):
            if order.get(el, 0) < limit and _text(el):
                label = _text(el)
    return ListingFields(label=label, links=links, titles=titles)


def extract_category_links(selector: Selector, base_url: str) -> dict[str, str]:
    """Category ids the site's menu links to, with their labels: ``{"104": "Berita Terkini"}``."""
    found: dict[str, str] = {}
    for a in selector.root.iter("a"):
        href = a.get("href")
        if not href:
            continue
        path = re.sub(r"^[a-z]+://[^/]+", "", urljoin(base_url, href), flags=re.IGNORECASE).split("?")[0]
        match = LISTING_PATH_RE.match(path)
        if match:
            label = _text(a)
            found.setdefault(match.group("cat"), label)
            if label and not found[match.group("cat")]:
                found[match.group("cat")] = label
    return found


# --------------------------------------------------------------------------------------------
# field helpers


def _category_before(title_el: lxml_html.HtmlElement | None) -> str | None:
    """The short label printed just before the title (Variant A of reference §2)."""
    node = title_el
    title = _text(title_el) if title_el is not None else None
    for _ in range(3):
        if node is None:
            return None
        prev = node.getprevious()
        while prev is not None:
            if isinstance(prev.tag, str) and not _is_chrome(prev):
                text = _text(prev)
                if text and not _same(text, title):
                    if len(text) <= 60 and len(text.split()) <= 6 and not DATE_ONLY_RE.match(text):
                        return text
                    return None
            prev = prev.getprevious()
        node = node.getparent()
    return None


def _view_count(root: lxml_html.HtmlElement) -> int | None:
    for text in root.xpath('//text()[contains(translate(., "DILHT", "dilht"), "dilihat")]'):
        parent = text.getparent()
        candidates = [str(text)] + ([parent.text_content()] if parent is not None else [])
        for candidate in candidates:
            match = VIEWS_RE.search(candidate)
            if match:
                digits = re.sub(r"[.,]", "", match.group(1))
                return int(digits) if digits.isdigit() else None
    return None


def _metadata_date(root: lxml_html.HtmlElement, container: lxml_html.HtmlElement | None,
                   timezone: str) -> tuple[FoundDate | None, str]:
    values: list[str] = []
    meta = _meta(root, "article:published_time")
    if meta:
        values.append(meta)
    values.extend(_json_ld_dates(root))
    meta = _meta(root, "datePublished", "pubdate", "publishdate", "DC.date.issued", "date")
    if meta:
        values.append(meta)
    scope = container.getparent() if container is not None and container.getparent() is not None else root
    values.extend(t.get("datetime") for t in scope.iter("time") if t.get("datetime") and not _in_chrome(t))
    for value in values:
        found = parse_metadata_date(value, timezone)
        if found:
            return found, "metadata"
    return None, "none"


def _absolutise(body: lxml_html.HtmlElement, page_url: str, canonicalise: Canonicaliser) -> None:
    for el in body.iter("a", "img"):
        for attr in ("href", "src", "data-src"):
            value = el.get(attr)
            if value and not value.startswith(("data:", "javascript:", "mailto:", "#")):
                el.set(attr, canonicalise(urljoin(page_url, value.strip())))
        if el.tag == "img" and not el.get("src") and el.get("data-src"):
            el.set("src", el.get("data-src"))


def _take_see_also(body: lxml_html.HtmlElement) -> list[dict[str, str | None]]:
    """Remove "Baca juga" lines from the body and return their links."""
    found: list[dict[str, str | None]] = []
    for el in list(body.iter("p", "div", "li", "strong", "b", "em", "span", "blockquote")):
        if body not in el.iterancestors() or not SEE_ALSO_RE.match(_text(el)):
            continue  # already removed with its parent, or not a "Baca juga" line
        if el.tag in ("strong", "b", "em", "span") and el.getparent() is not body:
            parent = el.getparent()
            if SEE_ALSO_RE.match(_text(parent)) and len(_text(parent)) < 300:
                el = parent
        if any(len(_text(child)) > 300 for child in el):
            continue
        link = next(iter(el.iter("a")), None)
        title = SEE_ALSO_RE.sub("", _text(el)) or None
        found.append({"url": link.get("href") if link is not None else None, "title": title})
        _remove(el)
    return found


def _images(body: lxml_html.HtmlElement) -> list[dict[str, str | None]]:
    """Images of the body (lead photo included), each with the caption the page gives it."""
    images: list[dict[str, str | None]] = []
    for img in body.iter("img"):
        src = img.get("src")
        if src and not src.startswith("data:") and all(i["url"] != src for i in images):
            images.append({"url": src, "caption": _caption_of(img)})
    return images


def _caption_of(img: lxml_html.HtmlElement) -> str | None:
    node = img.getparent()
    for _ in range(3):
        if node is None:
            break
        if node.tag == "figure":
            cap = node.find(".//figcaption")
            if cap is not None and _text(cap):
                return _text(cap)
            break
        node = node.getparent()
    for attr in ("title", "alt"):
        value = clean_space(img.get(attr) or "")
        if value and not re.search(r"\.(?:jpe?g|png|gif|webp)$", value, re.IGNORECASE):
            return value
    return None


def _attachments(body: lxml_html.HtmlElement) -> list[dict[str, str | None]]:
    found: list[dict[str, str | None]] = []
    for a in body.iter("a"):
        href = a.get("href")
        if href and is_document(href) and all(x["url"] != href for x in found):
            found.append({"url": href, "text": _text(a) or None})
    return found


def _byline(paragraphs: list[str]) -> str | None:
    for para in paragraphs[:3]:
        for line in para.split("\n")[:2]:
            match = BYLINE_RE.match(line)
            if match:
                return match.group("who").rstrip(" .,")
    return None


def _trailing_credit(paragraphs: list[str]) -> str | None:
    """The writer credit closing the body: ``(RM.dkk)``, ``[Hadi | MC KIP Aceh]``."""
    for para in reversed(paragraphs[-4:]):
        lines = [line for line in para.split("\n") if line.strip()]
        while lines and all(HASHTAG_RE.fullmatch(tok) for tok in lines[-1].split()):
            lines.pop()  # hashtag lines close some posts; the credit sits above them
        if not lines:
            continue
        match = CREDIT_RE.search(lines[-1])
        if not match:
            return None
        credit = match.group("credit").strip()
        if not credit or DATE_ONLY_RE.match(credit) or credit.isdigit():
            return None
        return credit
    return None


def _sanitise(body: lxml_html.HtmlElement) -> str:
    raw = lxml_html.tostring(body, encoding="unicode", method="html")
    cleaned = nh3.clean(raw, tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                        link_rel=None)
    return re.sub(r"\n{3,}", "\n\n", cleaned).strip()


NOT_FOUND_RE = re.compile(
    r"^\W*(?:error\s*)?(?:404\W*)?(?:"
    r"(?:halaman|page|berita|artikel|konten|postingan|data)\b[^.]{0,30}?\b(?:tidak|tak)\s+(?:ditemukan|tersedia|ada)"
    r"|(?:page\s+|halaman\s+)?not\s+found|404)\W*$",
    re.IGNORECASE,
)
_TITLE_PARTS = re.compile(r"\s+[-|–—]\s+")


def looks_not_found(selector: Selector, title: str | None) -> bool:
    """A page served with 200 that says the post is not there (a soft 404).

    Positive evidence only: the page's title, its <title> (site name aside) or a top heading is,
    as a whole, "Halaman tidak ditemukan" / "Page not found" / "404".  A heading that merely
    contains such words ("Keputusan Nomor 404") does not count, nor does an empty article.
    """
    root: lxml_html.HtmlElement = selector.root
    texts = [title or ""]
    for el in _iter_elements(root, ("title", "h1", "h2")):
        text = _text(el)
        texts.extend(_TITLE_PARTS.split(text) if el.tag == "title" else [text])
    return any(len(t) <= 80 and NOT_FOUND_RE.match(t) for t in texts if t)
