"""The generic main-content layer: trafilatura, for pages the platform's own layer gets wrong.

It knows nothing about KPU pages, which is the point: it is independent evidence.  It gives the body
text only; title, dates and the other fields stay the platform layer's.
"""

from __future__ import annotations

import re


def generic_body(html: bytes | str, url: str) -> str:
    """The main text as paragraphs separated by a blank line, or "" when trafilatura finds none."""
    import trafilatura

    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True, deduplicate=False) or ""
    paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    return "\n\n".join(p for p in paragraphs if p)


def generic_html(html: bytes | str, url: str) -> str:
    """The main content as trafilatura's HTML (paragraphs, lists, tables, links and images kept), or ""."""
    import trafilatura

    return (
        trafilatura.extract(
            html, url=url, output_format="html", include_comments=False, include_tables=True, include_links=True,
            include_images=True, deduplicate=False,
        )
        or ""
    )  # fmt: skip


_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())
