"""Two layers and a referee: the platform's extraction, checked against evidence that does not come
from the extractor, and the generic layer where a check fails.

Checks (``None`` where the page gives no evidence):

* ``body``: the body is not empty;
* ``description``: most words of the page's own summary (``og:description`` / meta description)
  appear in the body;
* ``page_share``: the body holds a fair share of the page's visible text (a body of one caption on
  a long page is a cut one);
* ``prose``: the body holds most of the page's prose: the paragraphs of running text outside page
  chrome (long, few links).  An article split over sibling blocks, of which the platform kept one,
  fails it; a caption or a link list never counts as prose;
* ``teaser``: the words the listing showed under the post (its opening, often the whole body) are
  in the body, and the body is not much shorter than they are;
* ``listed_title``: the title matches the one the listing linked the post by (a shortened one is
  the same).  It says nothing about the body, so it never calls the generic layer; a failure is
  recorded as doubt.

Where a check fails, the generic layer runs on the same page and the layer the evidence supports
more wins: the one failing fewer checks, or on a tie the one holding clearly more of the evidence
(summary words, teaser words, prose); else the platform's stays.  The article records which layer gave the body
(``extraction``) and every check of each layer (``extraction_checks``, with ``refused_cuts``: the
boilerplate cuts the platform layer refused because they would have taken most of the text):
nothing doubtful is stored as if it were sure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from html import escape

from lxml import html as lxml_html
from scrapy.http import TextResponse

from archive.domain.text import folded

from .base import ArticleFields
from .generic import generic_body, words
from .regional_cms.dom import PROSE_PARAGRAPH, iter_elements, link_text_len, meta_content, own_text_len, text_of
from .regional_cms.fields import byline_of, trailing_credit

DESCRIPTION_MIN = 0.6  # share of the summary's words the body must contain
PAGE_SHARE_MIN = 0.3  # share of the page's visible text the body must hold...
PAGE_SHARE_FROM = 2000  # ...on a page with at least this much text
TEASER_MIN = 0.6  # share of the listing teaser's words the body must contain...
TEASER_LENGTH = 0.5  # ...and the body must be at least this share of the teaser's length
PROSE_MIN = 0.7  # share of the page's prose the body must hold...
PROSE_MISSING = 800  # ...where at least this many characters of it are missing
PROSE_LINKS = 0.25  # at most this share of a prose paragraph is link text
SUPPORT_MARGIN = 0.2  # on a tie in failed checks, the generic body must hold this much more of the evidence
BODY_CHECKS = ("body", "description", "page_share", "prose", "teaser")  # the checks a better body can pass
Checks = dict[str, bool | None]
VISIBLE_TAGS = frozenset({"p", "li", "td", "h1", "h2", "h3"})
PROSE_TAGS = frozenset({"p", "div", "section", "td", "blockquote", "li"})
EVIDENCE_TAGS = VISIBLE_TAGS | PROSE_TAGS


@dataclass(frozen=True, slots=True)
class Listed:
    """What the listing said of a post before it was fetched: the evidence from outside the page."""

    title: str | None = None
    teaser: str | None = None
    published: str | None = None  # the machine date a listing API gave it (KPU RI's ``created_at``)


@dataclass(frozen=True, slots=True)
class PageEvidence:
    """What the page says of itself, whoever extracts it: its summary, its visible text, its prose."""

    summary: list[str]
    visible: int
    prose: list[str]


def page_evidence(root: lxml_html.HtmlElement) -> PageEvidence:
    """The page's own summary (its words), how much visible text it has, and its prose paragraphs."""
    summary = meta_content(root, "og:description", "description", "twitter:description") or ""
    body = root.find(".//body")
    visible, prose = 0, []
    for el in iter_elements(body, EVIDENCE_TAGS) if body is not None else ():
        text = ""
        if el.tag in VISIBLE_TAGS:
            text = text_of(el)
            visible += len(text)
        if el.tag in PROSE_TAGS and (own := own_text_len(el)) >= PROSE_PARAGRAPH:
            text = text or text_of(el)
            if link_text_len(el) <= PROSE_LINKS * len(text) and (el.tag == "p" or own >= len(text) / 2):
                prose.append(text)
    return PageEvidence(words(summary), visible, prose)


def _prose_check(body_text: str, prose: list[str]) -> bool | None:
    """Does the body hold most of the page's prose?  A paragraph counts as held when its opening is
    in the body (the layers space and punctuate alike, so the opening is enough)."""
    total = sum(map(len, prose))
    if total < PROSE_MISSING:
        return None
    body = folded(body_text)
    held = sum(len(p) for p in prose if folded(p)[:60] in body)
    return held >= PROSE_MIN * total or total - held < PROSE_MISSING


def check(body_text: str, page: PageEvidence, teaser: str | None = None) -> Checks:
    body_words = set(words(body_text))
    summary = page.summary
    description = None
    if len(summary) >= 8:
        description = sum(w in body_words for w in summary) / len(summary) >= DESCRIPTION_MIN
    page_share = None
    if page.visible >= PAGE_SHARE_FROM:
        page_share = len(body_text) / page.visible >= PAGE_SHARE_MIN
    teaser_check = None
    teaser_words = words(teaser or "")
    if len(teaser_words) >= 8 and teaser:
        found = sum(w in body_words for w in teaser_words) / len(teaser_words) >= TEASER_MIN
        teaser_check = found and len(body_text) >= TEASER_LENGTH * len(teaser)
    return {"body": bool(body_text.strip()), "description": description, "page_share": page_share,
            "prose": _prose_check(body_text, page.prose), "teaser": teaser_check}  # fmt: skip


def support(body_text: str, page: PageEvidence, teaser: str | None = None) -> float:
    """How much of the evidence the body holds, from 0 to 1: the mean share of the summary's words,
    the teaser's words and the prose.  It breaks a tie between layers that fail as many checks."""
    body_words = set(words(body_text))
    shares = [sum(w in body_words for w in ws) / len(ws) for ws in (page.summary, words(teaser or "")) if len(ws) >= 8]
    total = sum(map(len, page.prose))
    if total >= PROSE_MISSING:
        body = folded(body_text)
        shares.append(sum(len(p) for p in page.prose if folded(p)[:60] in body) / total)
    return sum(shares) / len(shares) if shares else 0.0


def title_check(title: str | None, listed: str | None) -> bool | None:
    """Does the page's title match the listed one?  None where the listing gave no usable title."""
    shown, stated = folded(listed).rstrip(".… "), folded(title).rstrip(".… ")
    if len(shown) < 10:
        return None  # "Selengkapnya", an image link
    return stated.startswith(shown)  # a listing may shorten a title, never lengthen it


def failures(checks: Checks) -> int:
    return sum(checks.get(name) is False for name in BODY_CHECKS)


def referee(
    fields: ArticleFields,
    response: TextResponse,
    generic: Callable[[bytes | str, str], str] = generic_body,
    listed: Listed | None = None,
) -> ArticleFields:
    """The platform's fields for ``response``, or the same with the generic layer's body where the
    evidence says so."""
    listed = listed or Listed()
    page = page_evidence(response.selector.root)
    ours = check(fields.body_text, page, listed.teaser)
    ours["listed_title"] = title_check(fields.title, listed.title)
    refused = {"refused_cuts": fields.refused_cuts} if fields.refused_cuts else {}
    if not failures(ours) or fields.extraction == "generic":  # a platform read by the generic layer has no other
        return replace(fields, extraction_checks={fields.extraction: ours, **refused})
    text = generic(response.body, response.url)
    theirs = {**check(text, page, listed.teaser), "listed_title": ours["listed_title"]}
    verdicts = {"cms": ours, "generic": theirs, **refused}
    if (
        not text
        or failures(theirs) > failures(ours)
        or (
            failures(theirs) == failures(ours)
            and support(text, page, listed.teaser) < support(fields.body_text, page, listed.teaser) + SUPPORT_MARGIN
        )
    ):
        return replace(fields, extraction="cms", extraction_checks=verdicts)
    paragraphs = text.split("\n\n")
    return replace(
        fields, body_text=text, body_html="\n".join(f"<p>{escape(p)}</p>" for p in paragraphs),
        credit=trailing_credit(paragraphs) or fields.credit, byline=byline_of(paragraphs) or fields.byline,
        extraction="generic", extraction_checks=verdicts,
    )  # fmt: skip
