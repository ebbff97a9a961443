"""Turn one page of the regional KPU CMS into fields: pure functions over a parsed page.

Only the real pages' text is known, not their HTML (reference §2, §7), so nothing here rests on
class names invented here.  The layers are:

1. document structure: the body is the block holding the most paragraph text outside
   ``nav``/``header``/``footer``/``aside`` and their ARIA roles; the title is the heading just
   before it;
2. the text anchors the reference names: the category label printed before the title,
   ``Bagikan:`` and ``facebook twitter whatapps`` (the share box), ``Telah dilihat N kali``,
   ``Baca juga``, ``Oleh:``, the trailing ``(…)``/``[…]`` credit;
3. fallbacks: ``og:title`` and ``<title>`` for the title, the listing's heading for the category;
4. inside the body, trafilatura's own discard rules (names of share, related, comment and caption
   boxes seen across the web), never allowed to take most of the body.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from datetime import datetime

from lxml import html as lxml_html
from parsel import Selector

from archive.imports import load_alone

from ..base import ArticleFields, Canonicaliser
from .dates import parse_body_date
from .dom import (
    BLOCK_TAGS,
    HEADINGS,
    INLINE_TAGS,
    clean_space,
    find_body_container,
    find_title_element,
    in_chrome,
    is_chrome,
    is_prose,
    link_text_len,
    meta_content,
    paragraphs_of,
    remove,
    same_text,
    text_of,
    unchanged_url,
)
from .fields import (
    CLOSING_NOISE_RE,
    HASHTAG_RE,
    SHARE_ONLY_RE,
    SHARE_RE,
    VIEWS_RE,
    absolutise,
    attachments_of,
    byline_of,
    category_before,
    images_of,
    metadata_date,
    sanitise,
    take_see_also,
    trailing_credit,
    view_count_of,
)
from .urls import is_document


def _strip_site_suffix(title: str) -> str:
    return re.split(r"\s+[|–—-]\s+(?=[^|–—-]*(?:KPU|KIP|Komisi))", title)[0].strip()


SHARE_BOX_MAX = 300  # characters: a share box is a line of network names, never a block of prose


def _remove_share_and_after(body: lxml_html.HtmlElement) -> list[str]:
    """Drop the share box ("Bagikan:" then the network names) and what follows it; returns the cuts
    it refused.

    Only a share box that stands after the main text takes what follows it along (related posts,
    tags, the comment form).  One above the text (a share bar under the headline) is removed alone:
    a cut never takes more text than it leaves, and each refusal is recorded."""
    start = 0
    refused: list[str] = []
    while (share := _next_share_box(body, start)) is not None:
        following = _text_after(share, body)
        kept = len(text_of(body)) - following - len(text_of(share))
        if following <= kept:
            node = share
            while node is not None and node is not body:
                for sibling in list(node.itersiblings()):
                    remove(sibling)
                node = node.getparent()
            remove(share)
            return refused
        refused.append(f"share box {text_of(share)[:40]!r}: {following} characters after it, {kept} before")
        start = _position(body, share)
        remove(share)
    return refused


def _next_share_box(body: lxml_html.HtmlElement, start: int) -> lxml_html.HtmlElement | None:
    for position, el in enumerate(body.iter()):
        if position < start or not isinstance(el.tag, str) or el is body or el.tag in INLINE_TAGS:
            continue
        own = text_of(el)
        if len(own) <= SHARE_BOX_MAX and (SHARE_RE.match(el.text or "") or SHARE_ONLY_RE.match(own or "-")):
            return el
    return None


def _position(body: lxml_html.HtmlElement, target: lxml_html.HtmlElement) -> int:
    return next((i for i, el in enumerate(body.iter()) if el is target), 0)


def _text_after(el: lxml_html.HtmlElement, body: lxml_html.HtmlElement) -> int:
    """How much text follows ``el`` inside ``body``: what a cut after it would take."""
    total = 0
    node: lxml_html.HtmlElement | None = el
    while node is not None and node is not body:
        total += len((node.tail or "").strip())
        for sibling in node.itersiblings():
            if isinstance(sibling.tag, str):
                total += len(sibling.text_content().strip())
            total += len((sibling.tail or "").strip())
        node = node.getparent()
    return total


def _leaf_blocks(body: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """The innermost blocks holding text, in document order: the body's paragraphs, items and lines
    (a block whose only inner blocks are empty, a card around an image, is one)."""
    elements = [el for el in body.iter() if isinstance(el.tag, str)]
    has_text: dict[lxml_html.HtmlElement, bool] = {}
    texty_block_inside: dict[lxml_html.HtmlElement, bool] = {}
    for el in reversed(elements):  # descendants before their ancestors
        children = [c for c in el if isinstance(c.tag, str)]
        has_text[el] = bool((el.text or "").strip()) or any(has_text[c] or (c.tail or "").strip() for c in children)
        texty_block_inside[el] = any(texty_block_inside[c] or (c.tag in BLOCK_TAGS and has_text[c]) for c in children)
    return [el for el in elements if el is not body and el.tag in BLOCK_TAGS and has_text[el]
            and not texty_block_inside[el]]  # fmt: skip


def _drop_link_lists(body: lxml_html.HtmlElement) -> None:
    """Around the prose, drop what is made of links (share buttons, tags, other posts, "leave a
    comment") and the short labels introducing them ("Tags:", "Share this:").  Judged by what a block
    is made of and where it stands: before the first paragraph of prose or after the last.  Attachment
    and source lines stay (reference §2), and so does a line with a number above the text (a date)."""
    leaves = _leaf_blocks(body)
    prose = [i for i, el in enumerate(leaves) if is_prose(el)]
    if not prose:
        return
    _drop_run(leaves[: prose[0]], keep_numbers=True)
    _drop_run(leaves[prose[-1] + 1 :], keep_numbers=False)


def _drop_run(leaves: list[lxml_html.HtmlElement], keep_numbers: bool) -> None:
    dropped_next = True  # a label at the very end introduces nothing the body keeps
    for el in reversed(leaves):
        text = text_of(el)
        kept = CLOSING_NOISE_RE.match(text) or any(is_document(a.get("href") or "") for a in el.iter("a"))
        if kept or (keep_numbers and any(c.isdigit() for c in text)):
            dropped_next = False
        elif _mostly_links(el) or (dropped_next and len(text) <= LABEL_MAX and _labels(el, text)):
            remove(el)
            dropped_next = True
        else:
            dropped_next = False


def _labels(el: lxml_html.HtmlElement, text: str) -> bool:
    """A short line that introduces what follows it ("Tags:", "Related Coverage"): it goes when
    what it introduces went too, or when nothing follows it."""
    return text.endswith(":") or el.tag in HEADINGS


def _drop_leading(paragraphs: list[str], title: str | None, category: str | None) -> list[str]:
    """Remove the category label and repeated titles printed above the body."""
    out = list(paragraphs)
    while out and (same_text(out[0], title) or same_text(out[0], category)):
        out.pop(0)
    return out


def _cut_boilerplate(paragraphs: list[str], refused: list[str]) -> list[str]:
    """Text-level pass for what markup did not separate: share box, view counter.  A share line
    ends the body only where less text follows it than precedes it; else it goes alone (refused)."""
    kept: list[str] = []
    for i, para in enumerate(paragraphs):
        if SHARE_RE.match(para) or SHARE_ONLY_RE.match(para):
            after, before = sum(map(len, paragraphs[i + 1 :])), sum(map(len, kept))
            if after <= before:
                break
            refused.append(f"share line {para[:40]!r}: {after} characters after it, {before} before")
            continue
        lines = [line for line in para.split("\n") if not VIEWS_RE.fullmatch(line.strip())]
        if lines:
            kept.append("\n".join(lines))
    return kept


def extract_article(
    selector: Selector,
    page_url: str,
    *,
    timezone: str,
    first_seen: datetime,
    listing_label: str | None = None,
    canonicalise: Canonicaliser = unchanged_url,
    listed_published: str | None = None,
) -> ArticleFields:
    """All fields of one article page; ``page_url`` is the canonical URL of the page.  The regional
    listings give no machine date (``listed_published`` is for platforms whose listings do)."""
    root: lxml_html.HtmlElement = selector.root
    container = find_body_container(root)
    title_el = find_title_element(root, container)

    title, title_source = _title(root, title_el)
    category = category_before(title_el)
    category_source = "page" if category else "none"
    if not category and listing_label:
        category, category_source = listing_label, "listing"

    view_count = view_count_of(root)
    published, published_source = metadata_date(root, container, timezone)
    if container is None:
        return ArticleFields(title=title, title_source=title_source, category=category,
                             category_source=category_source, body_text="", body_html="", view_count=view_count,
                             published=published, published_source=published_source)  # fmt: skip

    body = _body_fragment(root, title_el, container)
    refused = _clean(body, page_url, canonicalise, title, category)
    see_also = take_see_also(body)
    refused += _drop_named_boilerplate(body)
    _drop_link_lists(body)
    lead_captions = {clean_space(text_of(c)) for c in body.xpath(f".//*[@{LEAD}]/descendant-or-self::figcaption")}
    paragraphs = _cut_boilerplate(_drop_leading(paragraphs_of(body), title, category), refused)
    # the lead photo's caption is the photo's; the text is stored composed (NFC), as the web writes it
    paragraphs = [unicodedata.normalize("NFC", p) for p in paragraphs if p not in lead_captions]
    body_text = "\n\n".join(paragraphs)
    hashtags = list(dict.fromkeys(HASHTAG_RE.findall(body_text)))

    if published is None:
        found = parse_body_date(body_text, timezone, first_seen)
        if found:
            published, published_source = found, "body"

    images = images_of(body)
    captions = [c for image in images if (c := image["caption"])]
    return ArticleFields(
        title=title, title_source=title_source, category=category, category_source=category_source,
        body_text=body_text, body_html=sanitise(body), credit=trailing_credit(paragraphs, captions),
        byline=byline_of(paragraphs), view_count=view_count, hashtags=hashtags, images=images,
        attachments=attachments_of(body), see_also=see_also, published=published,
        published_source=published_source, refused_cuts=refused,
    )  # fmt: skip


def _title(root: lxml_html.HtmlElement, title_el: lxml_html.HtmlElement | None) -> tuple[str | None, str]:
    """The title and where it came from: ``og:title``, the heading above the body, or ``<title>``."""
    og_title = meta_content(root, "og:title")
    if og_title:
        return og_title, "og:title"
    if title_el is not None:
        return text_of(title_el), "heading"
    title_tag = root.find(".//title")
    html_title = text_of(title_tag) if title_tag is not None else ""
    if html_title:
        return _strip_site_suffix(html_title), "html-title"
    return None, "none"


def _clean(
    body: lxml_html.HtmlElement, page_url: str, canonicalise: Canonicaliser, title: str | None, category: str | None
) -> list[str]:
    """Absolute links; no share box and what follows it, no chrome, no repeated title, no view
    counter.  Returns the cuts it refused to make."""
    absolutise(body, page_url, canonicalise)
    refused = _remove_share_and_after(body)
    for el in list(body.iter()):
        if not isinstance(el.tag, str) or el is body or el.getparent() is None:
            continue
        # text_content() only where it can matter: it is the costly call in this per-element loop
        repeated_heading = el.tag in HEADINGS and (same_text(text_of(el), title) or same_text(text_of(el), category))
        view_counter = (
            el.tag not in INLINE_TAGS and "dilihat" in (el.text or "").lower() and VIEWS_RE.fullmatch(text_of(el))
        )
        if is_chrome(el) or repeated_heading or view_counter:
            remove(el)
    return refused


def _drop_named_boilerplate(body: lxml_html.HtmlElement) -> list[str]:
    """Drop what trafilatura's own discard rules name as boilerplate inside the body (share and
    related boxes, comment sections, rating widgets, caption lines, hidden blocks): a well-kept,
    cross-site list, not one invented here.  What the archive keeps of a post stays: a block with an
    attachment link, a caption box around its image.  A match holding most of the body's text is
    the body itself under an unlucky name ("author_guidelines"): it is kept, and the refusal recorded."""
    total = len(text_of(body))
    refused: list[str] = []
    for xpath, keeps_images in NAMED_BOILERPLATE:
        for el in xpath(body):
            if el is body or el.getparent() is None:
                continue  # the fragment itself, or inside a block already dropped
            if (keeps_images and el.find(".//img") is not None) or any(
                is_document(a.get("href") or "") for a in el.iter("a")
            ):
                continue
            size = len(text_of(el))
            if size > NAMED_CUT_MAX * total:
                refused.append(f"{el.tag} {el.get('class') or el.get('id')!r}: {size} of {total} characters")
            else:
                remove(el)
    return refused


_XPATHS = load_alone("trafilatura", "xpaths")  # its rules alone, not trafilatura's extraction stack
NAMED_BOILERPLATE = (
    *((xpath, False) for xpath in (*_XPATHS.OVERALL_DISCARD_XPATH, *_XPATHS.COMMENTS_DISCARD_XPATH)),
    *((xpath, True) for xpath in _XPATHS.DISCARD_IMAGE_ELEMENTS),  # a caption line goes, the figure it names stays
)
NAMED_CUT_MAX = 0.5  # a named cut may take at most this share of the body's text


LABEL_MAX = 40  # characters: "Tags:", "Teilen mit:", never a sentence
LEAD = "data-lead"  # marks what the body fragment took from between the title and the main text
LINK_LIST_SHARE = 0.5  # a block whose text is mostly link text is a menu or a list of posts, not the body


def _mostly_links(el: lxml_html.HtmlElement) -> bool:
    """A link list (a menu, a tag cloud, a widget of other posts) by what it is made of, not by name."""
    text = len(el.text_content().strip())
    return text > 0 and link_text_len(el) >= LINK_LIST_SHARE * text


def _body_fragment(
    root: lxml_html.HtmlElement,
    title_el: lxml_html.HtmlElement | None,
    container: lxml_html.HtmlElement,
) -> lxml_html.HtmlElement:
    """A detached copy of what a reader sees as the body: whatever stands between the title and
    the main text block (an editor's date line, a lead photo), then the main text block itself."""
    fragment = lxml_html.Element("div")
    if title_el is not None:
        skip = set(container.iterancestors())
        after_title = False
        for el in root.iter():  # document order: from the title to the main block
            if el is container:
                break
            if not after_title:
                after_title = el is title_el
                continue
            if not isinstance(el.tag, str) or el in skip:
                continue
            skip.update(el.iter())  # take the topmost element only, never its children again
            if title_el in el.iterancestors() or in_chrome(el) or _mostly_links(el):
                continue
            piece = copy.deepcopy(el)
            piece.tail = None
            piece.set(LEAD, "")  # sanitise() drops it from the stored HTML
            fragment.append(piece)
    fragment.append(copy.deepcopy(container))
    return fragment
