"""Helpers over an lxml tree that every extraction layer uses: page chrome, text, structure.

Nothing here rests on class names: chrome is ``nav``/``header``/``footer``/``aside`` and their ARIA
roles, the body is the block holding the most paragraph text outside it (reference §2, §7).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lxml import html as lxml_html

CHROME_TAGS = {
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "button",
    "select",
    "svg",
    "head",
}
SECTIONING_TAGS = frozenset({"article", "main", "section"})  # a header inside one is not the page's banner (HTML-AAM)
CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "table",
    "tr",
    "figure",
    "figcaption",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "center",
    "address",
    "hr",
    "tbody",
    "thead",
}
HEADINGS = ("h1", "h2", "h3")
INLINE_TAGS = {"a", "span", "strong", "b", "em", "i", "u", "font", "small", "sup", "sub", "img", "br"}
WS_RE = re.compile(r"[ \t\r\f\v\u00a0\u200b\u3000]+")


def unchanged_url(url: str) -> str:
    return url


def clean_space(text: str) -> str:
    return WS_RE.sub(" ", text).strip()


def is_chrome(el: lxml_html.HtmlElement) -> bool:
    """Page chrome by role, not by a word: navigation, banners, sidebars, footers, scripts.  A form
    is chrome (search, comments, a newsletter) unless it wraps the page: some CMSs (ASP.NET) put the
    whole ``<body>`` in one ``<form>``.  A ``<header>`` is the page's banner only outside an article,
    a main or a section (as HTML-AAM maps it)."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag == "form":
        parent = el.getparent()
        return parent is None or parent.tag != "body"
    if (el.get("role") or "").lower() in CHROME_ROLES or el.get("hidden") is not None:
        return True
    if tag == "header":  # the page's banner; an article's own header holds its title and date line
        return not any(a.tag in SECTIONING_TAGS for a in el.iterancestors())
    return tag in CHROME_TAGS


def in_chrome(el: lxml_html.HtmlElement) -> bool:
    node: lxml_html.HtmlElement | None = el
    while node is not None:
        if is_chrome(node):
            return True
        node = node.getparent()
    return False


def text_of(el: lxml_html.HtmlElement) -> str:
    return clean_space(el.text_content())


PROSE_PARAGRAPH = 80  # characters of non-link text: a paragraph of running text, not a label or a caption


def link_text_len(el: lxml_html.HtmlElement) -> int:
    """How much of ``el``'s text is the text of its links."""
    return sum(len(a.text_content().strip()) for a in el.iter("a"))


def is_prose(el: lxml_html.HtmlElement) -> bool:
    """Does ``el`` hold a paragraph's worth of its own, non-link text?"""
    return own_text_len(el) >= PROSE_PARAGRAPH


def own_text_len(el: lxml_html.HtmlElement) -> int:
    """Length of text directly inside ``el`` that is not link text (a paragraph's worth)."""
    total = len((el.text or "").strip())
    for child in el:
        if not isinstance(child.tag, str):
            total += len((child.tail or "").strip())
            continue
        if child.tag != "a" and child.tag not in BLOCK_TAGS and not is_chrome(child):  # link text is not prose
            total += len(child.text_content().strip()) - link_text_len(child)
        total += len((child.tail or "").strip())
    return total


def iter_elements(root: lxml_html.HtmlElement, tags: Iterable[str] | None = None) -> Iterator[lxml_html.HtmlElement]:
    """Elements outside page chrome, in document order (chrome subtrees are skipped whole)."""
    wanted = set(tags) if tags else None
    stack = [root]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str) or is_chrome(el):
            continue
        if wanted is None or el.tag in wanted:
            yield el
        stack.extend(reversed(el))


def iter_tags(root: lxml_html.HtmlElement, tags: Iterable[str]) -> Iterator[lxml_html.HtmlElement]:
    """Elements of a few rare tags (headings, ``<title>``) outside page chrome, in document order:
    lxml finds them, and only those found have their ancestors checked; the same elements as
    ``iter_elements(root, tags)`` without a Python-level walk of the whole page."""
    return (el for el in root.iter(*tags) if not in_chrome(el))


def find_body_container(root: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """The element whose direct paragraphs and text runs hold the most non-link text."""
    scores: dict[lxml_html.HtmlElement, int] = {}
    for el in iter_elements(root):
        if el.tag in ("p", "li", "blockquote", "h4", "h5", "h6", "pre"):
            parent = el.getparent()
            holder = parent.getparent() if el.tag == "li" and parent is not None else parent
            if holder is not None:
                scores[holder] = scores.get(holder, 0) + own_text_len(el)
        elif el.tag in ("div", "section", "article", "td", "main", "span", "font", "center"):
            own = own_text_len(el)
            if own > 20:
                scores[el] = scores.get(el, 0) + own
    if not scores:
        return None
    best = max(scores.items(), key=lambda kv: kv[1])
    return best[0] if best[1] > 0 else None


def up_to(
    root: lxml_html.HtmlElement, last: lxml_html.HtmlElement, tags: tuple[str, ...]
) -> Iterator[lxml_html.HtmlElement]:
    """The elements of ``tags`` before ``last`` in document order, and ``last`` if it is one: lxml's
    walk filters by tag, so only those become Python objects (a map of every element's position
    cost a tenth of an article's extraction)."""
    for el in root.iter(*tags, last.tag):
        if el.tag in tags:
            yield el
        if el is last:
            return


def _first_text_element(container: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    for el in container.iter():
        if isinstance(el.tag, str) and el is not container and (el.text or "").strip():
            return el
    return container


def find_title_element(
    root: lxml_html.HtmlElement, container: lxml_html.HtmlElement | None
) -> lxml_html.HtmlElement | None:
    """The heading nearest before the body's first text: an ``h1`` when there is one, else h2/h3."""
    headings = up_to(root, _first_text_element(container), HEADINGS) if container is not None else root.iter(*HEADINGS)
    best: dict[str, lxml_html.HtmlElement] = {}
    page_title = _document_title(root)
    for el in headings:
        # a heading in chrome (a breadcrumb's last item) is the title only when <title> says so
        text = text_of(el)
        if text and (not in_chrome(el) or (el.tag == "h1" and _names_page(page_title, text))):
            best[el.tag] = el  # keeps the last (nearest) of each level
    for level in HEADINGS:
        if level in best:
            return best[level]
    return None


def _document_title(root: lxml_html.HtmlElement) -> str:
    title = root.find(".//title")
    return text_of(title) if title is not None else ""


def _names_page(page_title: str, heading: str) -> bool:
    """``<title>`` is the heading, or the heading then the site's name after a separator."""
    rest = page_title[len(heading) :] if page_title.startswith(heading) else None
    return rest is not None and (not rest or re.match(r"\s*[|–—:·-]", rest) is not None)


def meta_content(root: lxml_html.HtmlElement, *keys: str) -> str | None:
    """The first non-empty ``content`` of a ``<meta>`` named by ``keys`` (in their order), whether
    by ``property``, ``name`` or ``itemprop``: one walk over the page's metas, not one query per key."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        content = meta.get("content")
        if not content or not content.strip():
            continue
        for attr in ("property", "name", "itemprop"):
            key = meta.get(attr)
            if key in keys and key not in found:
                found[key] = content
    for key in keys:
        if key in found:
            return clean_space(found[key])
    return None


def same_text(a: str | None, b: str | None) -> bool:
    return bool(a and b) and clean_space(a or "").casefold() == clean_space(b or "").casefold()


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
        if tag is None or is_chrome(node):
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


def remove(el: lxml_html.HtmlElement) -> None:
    if el.getparent() is not None:
        el.drop_tree()
