"""A KPU RI article page, read by the generic layer: nobody here has seen its markup (reference
§1.3 has no national page text), so its body comes from trafilatura, not from guessed anchors.
Trafilatura isolates the main content once, as HTML; that small fragment is then read with
BeautifulSoup (``fragments``) for its paragraphs, decree links, images and sanitised markup.

The date is the API's ``created_at`` for the post (WIB when it names no zone, to the minute), else
what the page's metadata or its lede states.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urljoin

from lxml import html as lxml_html
from parsel import Selector

from ..base import ArticleFields, Canonicaliser
from ..fragments import read_fragment
from ..generic import generic_html
from ..regional_cms.dates import parse_body_date, parse_metadata_date
from ..regional_cms.dom import HEADINGS, iter_tags, meta_content, text_of, unchanged_url
from ..regional_cms.fields import HASHTAG_RE, byline_of, caption_of, metadata_date, trailing_credit


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
    root: lxml_html.HtmlElement = selector.root
    title, title_source = _title(root)
    content = generic_html(lxml_html.tostring(root, encoding="unicode"), page_url)
    main = read_fragment(content, page_url, canonicalise, title=title)
    paragraphs = [p for p in main.paragraphs if p != title]
    body_text = "\n\n".join(paragraphs)
    published, source = None, "none"
    if listed_published and (found := parse_metadata_date(listed_published, timezone)):
        published, source = found, "api"
    if published is None:
        published, source = metadata_date(root, None, timezone)
    if published is None and (found := parse_body_date(body_text, timezone, first_seen)):
        published, source = found, "body"
    # trafilatura drops figcaptions: the page's own figure gives each image its caption back
    captions = {canonicalise(urljoin(page_url, img.get("src", ""))): caption_of(img) for img in root.iter("img")}
    images = [{**i, "caption": i["caption"] or captions.get(i["url"] or "")} for i in main.images]
    lead = meta_content(root, "og:image")
    if lead and (lead := canonicalise(urljoin(page_url, lead))) not in {i["url"] for i in images}:
        images = [{"url": lead, "caption": None}, *images]
    return ArticleFields(
        title=title, title_source=title_source, category=listing_label,
        category_source="listing" if listing_label else "none", body_text=body_text,
        body_html=main.html, credit=trailing_credit(paragraphs),
        byline=byline_of(paragraphs), hashtags=list(dict.fromkeys(HASHTAG_RE.findall(body_text))),
        images=images, attachments=main.attachments,
        published=published, published_source=source, extraction="generic",
    )  # fmt: skip


def _title(root: lxml_html.HtmlElement) -> tuple[str | None, str]:
    if og := meta_content(root, "og:title"):
        return og, "og:title"
    heading = next((el for el in iter_tags(root, HEADINGS[:1]) if text_of(el)), None)
    if heading is not None:
        return text_of(heading), "heading"
    title = root.find(".//title")
    return (text_of(title), "html-title") if title is not None and text_of(title) else (None, "none")
