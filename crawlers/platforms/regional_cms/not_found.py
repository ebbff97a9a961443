"""Soft 404s: a page served with 200 that says the post is not there."""

from __future__ import annotations

import re

from lxml import html as lxml_html
from parsel import Selector

from .dom import iter_tags, text_of

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
    for el in iter_tags(root, ("title", "h1", "h2")):
        text = text_of(el)
        texts.extend(_TITLE_PARTS.split(text) if el.tag == "title" else [text])
    return any(len(t) <= 80 and NOT_FOUND_RE.match(t) for t in texts if t)
