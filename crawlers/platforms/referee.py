"""Two layers and a referee: the platform's extraction, checked against evidence that does not come
from the extractor, and the generic layer where a check fails.

Checks (``None`` where the page gives no evidence):

* ``body``: the body is not empty;
* ``description``: most words of the page's own summary (``og:description`` / meta description)
  appear in the body;
* ``page_share``: the body holds a fair share of the page's visible text (a body of one caption on
  a long page is a cut one).

Where a check fails, the generic layer runs on the same page and the layer the evidence supports
more wins; on a tie the platform's stays.  The article records which layer gave the body
(``extraction``) and every check of each layer (``extraction_checks``): nothing doubtful is stored
as if it were sure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from html import escape

from lxml import html as lxml_html
from scrapy.http import TextResponse

from .base import ArticleFields
from .generic import generic_body, words
from .regional_cms.dom import iter_elements, meta_content, text_of
from .regional_cms.fields import byline_of, trailing_credit

DESCRIPTION_MIN = 0.6  # share of the summary's words the body must contain
PAGE_SHARE_MIN = 0.3  # share of the page's visible text the body must hold...
PAGE_SHARE_FROM = 2000  # ...on a page with at least this much text
Checks = dict[str, bool | None]


def page_evidence(root: lxml_html.HtmlElement) -> tuple[list[str], int]:
    """The page's own summary (its words) and how much visible text the page has."""
    summary = meta_content(root, "og:description", "description", "twitter:description") or ""
    body = root.find(".//body")
    visible = (
        sum(len(text_of(el)) for el in iter_elements(body, ("p", "li", "td", "h1", "h2", "h3")))
        if body is not None
        else 0
    )
    return words(summary), visible


def check(body_text: str, summary: list[str], visible: int) -> Checks:
    body_words = set(words(body_text))
    description = None
    if len(summary) >= 8:
        description = sum(w in body_words for w in summary) / len(summary) >= DESCRIPTION_MIN
    page_share = None
    if visible >= PAGE_SHARE_FROM:
        page_share = len(body_text) / visible >= PAGE_SHARE_MIN
    return {"body": bool(body_text.strip()), "description": description, "page_share": page_share}


def failures(checks: Checks) -> int:
    return sum(value is False for value in checks.values())


def referee(
    fields: ArticleFields, response: TextResponse, generic: Callable[[bytes | str, str], str] = generic_body
) -> ArticleFields:
    """The platform's fields for ``response``, or the same with the generic layer's body where the
    evidence says so."""
    summary, visible = page_evidence(response.selector.root)
    ours = check(fields.body_text, summary, visible)
    if not failures(ours):
        return replace(fields, extraction="cms", extraction_checks={"cms": ours})
    text = generic(response.body, response.url)
    theirs = check(text, summary, visible)
    verdicts = {"cms": ours, "generic": theirs}
    if failures(theirs) >= failures(ours) or not text:
        return replace(fields, extraction="cms", extraction_checks=verdicts)
    paragraphs = text.split("\n\n")
    return replace(
        fields, body_text=text, body_html="\n".join(f"<p>{escape(p)}</p>" for p in paragraphs),
        credit=trailing_credit(paragraphs) or fields.credit, byline=byline_of(paragraphs) or fields.byline,
        extraction="generic", extraction_checks=verdicts,
    )  # fmt: skip
