"""Field helpers for one article page: the text anchors the reference names (``Bagikan:``,
``Telah dilihat N kali``, ``Baca juga``, ``Oleh:``, the trailing credit) and where each field sits."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator
from urllib.parse import urljoin

import nh3
from lxml import html as lxml_html

from ..base import Canonicaliser, FoundDate
from .dates import parse_metadata_date
from .dom import clean_space, in_chrome, is_chrome, meta_content, remove, same_text, text_of
from .urls import is_document

SAFE_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "figure",
    "figcaption",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "caption",
    "hr",
}
SAFE_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}

SHARE_RE = re.compile(r"^\s*bagikan\s*:?", re.IGNORECASE)
SHARE_ONLY_RE = re.compile(
    r"^\s*(?:bagikan\s*:?)?(?:\s*(?:facebook|twitter|whatapps|whatsapp|telegram|linkedin|email|x|copy link"
    r"|salin tautan|share)\s*)+$",
    re.IGNORECASE,
)
VIEWS_RE = re.compile(r"telah\s+dilihat\s+([\d.,]+)\s+kali", re.IGNORECASE)
SEE_ALSO_RE = re.compile(r"^\s*baca\s+juga\s*:?\s*", re.IGNORECASE)
BYLINE_RE = re.compile(r"^\s*oleh\s*:?\s+(?P<who>\S.{1,200}?)\s*$", re.IGNORECASE)
# lines that may follow the credit at the end of a post: attachment links, a source line
CLOSING_NOISE_RE = re.compile(
    r"^\s*(?:sumber\s*:|selengkapnya\b|klik\s+di\s*sini\b|unduh\b|download\b|lampiran\s*:|link\s*:)", re.IGNORECASE
)
CREDIT_RE = re.compile(r"(?:^|[.!?”\"'])\s*[(\[]\s*(?P<credit>[^()\[\]\n]{1,160}?)\s*[)\]]\s*\.?\s*$")
HASHTAG_RE = re.compile(r"(?<![\w&#/])#([A-Za-z][A-Za-z0-9_]{1,80})")
DATE_ONLY_RE = re.compile(r"^[\d\s/.,-]+$|^(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad)\b", re.IGNORECASE)


def json_ld_dates(root: lxml_html.HtmlElement) -> Iterator[str]:
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


def category_before(title_el: lxml_html.HtmlElement | None) -> str | None:
    """The short label printed just before the title (Variant A of reference §2)."""
    node = title_el
    title = text_of(title_el) if title_el is not None else None
    for _ in range(3):
        if node is None:
            return None
        prev = node.getprevious()
        while prev is not None:
            if isinstance(prev.tag, str) and not is_chrome(prev):
                text = text_of(prev)
                if text and not same_text(text, title):
                    if len(text) <= 60 and len(text.split()) <= 6 and not DATE_ONLY_RE.match(text):
                        return text
                    return None
            prev = prev.getprevious()
        node = node.getparent()
    return None


def view_count_of(root: lxml_html.HtmlElement) -> int | None:
    for text in root.xpath('//text()[contains(translate(., "DILHT", "dilht"), "dilihat")]'):
        parent = text.getparent()
        candidates = [str(text)] + ([parent.text_content()] if parent is not None else [])
        for candidate in candidates:
            match = VIEWS_RE.search(candidate)
            if match:
                digits = re.sub(r"[.,]", "", match.group(1))
                return int(digits) if digits.isdigit() else None
    return None


def metadata_date(
    root: lxml_html.HtmlElement, container: lxml_html.HtmlElement | None, timezone: str
) -> tuple[FoundDate | None, str]:
    values: list[str] = []
    meta = meta_content(root, "article:published_time")
    if meta:
        values.append(meta)
    values.extend(json_ld_dates(root))
    meta = meta_content(root, "datePublished", "pubdate", "publishdate", "DC.date.issued", "date")
    if meta:
        values.append(meta)
    scope = container.getparent() if container is not None and container.getparent() is not None else root
    values.extend(t.get("datetime") for t in scope.iter("time") if t.get("datetime") and not in_chrome(t))
    for value in values:
        found = parse_metadata_date(value, timezone)
        if found:
            return found, "metadata"
    return None, "none"


def absolutise(body: lxml_html.HtmlElement, page_url: str, canonicalise: Canonicaliser) -> None:
    for el in body.iter("a", "img"):
        for attr in ("href", "src", "data-src"):
            value = el.get(attr)
            if value and not value.startswith(("data:", "javascript:", "mailto:", "#")):
                el.set(attr, canonicalise(urljoin(page_url, value.strip())))
        if el.tag == "img" and not el.get("src") and el.get("data-src"):
            el.set("src", el.get("data-src"))


def take_see_also(body: lxml_html.HtmlElement) -> list[dict[str, str | None]]:
    """Remove "Baca juga" lines from the body and return their links."""
    found: list[dict[str, str | None]] = []
    for el in list(body.iter("p", "div", "li", "strong", "b", "em", "span", "blockquote")):
        if body not in el.iterancestors() or not SEE_ALSO_RE.match(text_of(el)):
            continue  # already removed with its parent, or not a "Baca juga" line
        if el.tag in ("strong", "b", "em", "span") and el.getparent() is not body:
            parent = el.getparent()
            if SEE_ALSO_RE.match(text_of(parent)) and len(text_of(parent)) < 300:
                el = parent
        if any(len(text_of(child)) > 300 for child in el):
            continue
        link = next(iter(el.iter("a")), None)
        title = SEE_ALSO_RE.sub("", text_of(el)) or None
        found.append({"url": link.get("href") if link is not None else None, "title": title})
        remove(el)
    return found


def images_of(body: lxml_html.HtmlElement) -> list[dict[str, str | None]]:
    """Images of the body (lead photo included), each with the caption the page gives it."""
    images: list[dict[str, str | None]] = []
    for img in body.iter("img"):
        src = img.get("src")
        if src and not src.startswith("data:") and all(i["url"] != src for i in images):
            images.append({"url": src, "caption": caption_of(img)})
    return images


def caption_of(img: lxml_html.HtmlElement) -> str | None:
    """The figure's caption around ``img``, else its title or alt text when that is words, not a file name."""
    node = img.getparent()
    for _ in range(3):
        if node is None:
            break
        if node.tag == "figure":
            cap = node.find(".//figcaption")
            if cap is not None and text_of(cap):
                return text_of(cap)
            break
        node = node.getparent()
    for attr in ("title", "alt"):
        value = clean_space(img.get(attr) or "")
        if value and not re.search(r"\.(?:jpe?g|png|gif|webp)$", value, re.IGNORECASE):
            return value
    return None


def attachments_of(body: lxml_html.HtmlElement) -> list[dict[str, str | None]]:
    found: list[dict[str, str | None]] = []
    for a in body.iter("a"):
        href = a.get("href")
        if href and is_document(href) and all(x["url"] != href for x in found):
            found.append({"url": href, "text": text_of(a) or None})
    return found


def byline_of(paragraphs: list[str]) -> str | None:
    for para in paragraphs[:3]:
        for line in para.split("\n")[:2]:
            match = BYLINE_RE.match(line)
            if match:
                return match.group("who").rstrip(" .,")
    return None


def trailing_credit(paragraphs: list[str], captions: Collection[str] = ()) -> str | None:
    """The writer credit closing the body: ``(RM.dkk)``, ``[Hadi | MC KIP Aceh]``.  A photo caption
    (one of ``captions``) is passed over: its parenthesis credits the photo, not the text."""
    shown = {clean_space(c) for c in captions if c}
    for para in reversed([p for p in paragraphs if clean_space(p) not in shown][-4:]):
        lines = [line for line in para.split("\n") if line.strip()]
        while lines and (
            all(HASHTAG_RE.fullmatch(tok) for tok in lines[-1].split()) or CLOSING_NOISE_RE.match(lines[-1])
        ):
            lines.pop()  # hashtags, attachment links or a source line close some posts; the credit sits above
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


def sanitise(body: lxml_html.HtmlElement) -> str:
    raw = lxml_html.tostring(body, encoding="unicode", method="html")
    cleaned = nh3.clean(
        raw, tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES, url_schemes={"http", "https", "mailto"}, link_rel=None
    )
    return re.sub(r"\n{3,}", "\n\n", cleaned).strip()
