"""Small HTML fragments read with BeautifulSoup: a JSON API's markup fields and the article body the
generic layer isolates.

A fragment is a few kilobytes that nobody here wrote, often broken (an API field cut mid-tag, a
``<p>`` never closed).  BeautifulSoup's tree API over lxml's parser is cheap at that size and reads
such markup the way a browser would; whole pages stay with lxml, which parses about 20 times faster.
The fragment's text is split into paragraphs at block boundaries, its document links and images
are read, and its markup is sanitised (nh3, the same allow-list as the regional body) for storage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import nh3

from .base import Canonicaliser
from .regional_cms.dom import unchanged_url
from .regional_cms.fields import SAFE_ATTRIBUTES, SAFE_TAGS
from .regional_cms.urls import is_document

if TYPE_CHECKING:
    from bs4 import Tag

DROPPED = ("script", "style", "noscript", "iframe", "form", "button", "svg", "template", "head")
BLOCKS = frozenset(
    ("address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
     "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
     "table", "tbody", "thead", "tr", "ul")
)  # fmt: skip
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
IMAGE_NAME_RE = re.compile(r"\.(?:jpe?g|png|gif|webp)$", re.IGNORECASE)
BREAK = "\x00"  # a paragraph break marker: no fragment text holds NUL


@dataclass(slots=True)
class Fragment:
    paragraphs: list[str] = field(default_factory=list)
    attachments: list[dict[str, str | None]] = field(default_factory=list)  # document links: url, text
    images: list[dict[str, str | None]] = field(default_factory=list)  # url, caption (figcaption or alt)
    html: str = ""  # the sanitised markup, safe to show

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def looks_like_markup(value: str) -> bool:
    """Whether an API string field holds HTML (``<p>…``) rather than plain text."""
    return bool(re.search(r"<(?:p|br|div|span|a|strong|b|em|i|ul|ol|li|img|h[1-6])\b", value, re.IGNORECASE))


def read_fragment(
    markup: str, base_url: str, canonicalise: Canonicaliser = unchanged_url, *, title: str | None = None
) -> Fragment:
    """The paragraphs, document links, images and sanitised markup of one HTML fragment; links are
    made absolute against ``base_url`` and canonicalised.  A heading that repeats ``title`` is not body."""
    from bs4 import BeautifulSoup  # imported on first use: a regional-only crawl never loads it

    soup = BeautifulSoup(markup, "lxml")
    for tag in soup(DROPPED):
        tag.decompose()
    if title:
        for heading in soup.find_all(HEADINGS):
            if " ".join(heading.get_text(" ").split()) == title:
                heading.decompose()
    fragment = Fragment()
    for a in soup.find_all("a", href=True):
        url = canonicalise(urljoin(base_url, str(a["href"]).strip()))
        a["href"] = url
        if is_document(url) and all(x["url"] != url for x in fragment.attachments):
            fragment.attachments.append({"url": url, "text": " ".join(a.get_text(" ").split()) or None})
    for img in soup.find_all("img", src=True):
        src = str(img["src"]).strip()
        if src.startswith("data:"):  # pasted inline: no address to keep, and nh3 would leave a bare <img>
            img.decompose()
            continue
        url = canonicalise(urljoin(base_url, src))
        img["src"] = url
        if all(x["url"] != url for x in fragment.images):
            fragment.images.append({"url": url, "caption": _caption(img)})
    root = soup.body or soup
    fragment.html = nh3.clean(
        root.decode_contents(), tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"}, link_rel=None,
    ).strip()  # fmt: skip
    fragment.paragraphs = _paragraphs(root)
    return fragment


def _paragraphs(root: Tag) -> list[str]:
    """Text split where the markup breaks blocks (block elements, ``<br><br>``), whitespace folded."""
    from bs4 import NavigableString

    for tag in root.find_all(True):
        if tag.name in BLOCKS:
            tag.insert_before(NavigableString(BREAK))
            tag.insert_after(NavigableString(BREAK))
        elif tag.name == "br":
            tag.replace_with(NavigableString("\n"))
        elif tag.name in ("td", "th"):
            tag.insert_after(NavigableString(" "))
    text = root.get_text("")
    text = re.sub(r"\n[ \t\xa0]*\n", BREAK, text)  # an empty line (two <br>) ends a paragraph, as it reads
    return [p for p in (" ".join(chunk.split()) for chunk in text.split(BREAK)) if p]


def _caption(img: Tag) -> str | None:
    figure = img.find_parent("figure")
    if figure is not None and (caption := figure.find("figcaption")) is not None:
        text = " ".join(caption.get_text(" ").split())
        if text:
            return text
    for attr in ("title", "alt"):
        value = " ".join(str(img.get(attr) or "").split())
        if value and not IMAGE_NAME_RE.search(value):
            return value
    return None
