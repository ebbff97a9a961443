"""Fetching the documents posts link: each attachment URL once, politely, up to a size cap.

A mixin of the one spider (its callbacks must be spider methods, so a distributed crawl can
serialise the requests).  An attachment is requested after its post is read, at a lower priority
than articles, through the same downloader slots and delays as every other request; a URL the
archive already has a file for is not fetched again, and a file the archive already holds is not
read again.  ``KPU_ATTACHMENT_MAX_BYTES`` (50 MB) caps each download.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from archive.domain.records import AttachmentRecord
from archive.domain.sites import Site

from ..documents import document_text

if TYPE_CHECKING:
    from archive.ingest import IngestSession

ATTACHMENT_PRIORITY = -3  # after the articles: a post is archived before the files it links


class AttachmentFetching:
    crawler: Any
    logger: Any

    @property
    def archive(self) -> IngestSession:  # the spider's: its pipeline's ingest session
        raise NotImplementedError

    def attachment_requests(self, site: Site, attachments: list[dict[str, Any]]) -> Iterator[scrapy.Request]:
        settings = self.crawler.settings
        if not settings.getbool("KPU_ATTACHMENTS"):
            return
        for attachment in attachments:
            url = str(attachment.get("url") or "")
            if not url.startswith(("http://", "https://")) or self.archive.attachment_known(url):
                continue
            fetch = site.fetch_url(url) if urlsplit(url).hostname == site.host else url
            yield scrapy.Request(
                fetch, callback=self.parse_attachment, errback=self.on_attachment_error,
                priority=ATTACHMENT_PRIORITY, cb_kwargs={"site": site, "url": url},
                meta={"download_maxsize": settings.getint("KPU_ATTACHMENT_MAX_BYTES"),
                      "download_warnsize": 0, "handle_httpstatus_list": [404, 410]},
            )  # fmt: skip

    def parse_attachment(self, response: Response, site: Site, url: str) -> Iterator[AttachmentRecord]:
        stats = self.crawler.stats
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").split(";")[0].strip() or None
        if response.status != 200 or (isinstance(response, TextResponse) and "html" in (content_type or "")):
            stats.inc_value(f"kpu/site/{site.host}/attachments_missing")  # gone, or a page instead of a file
            yield self._attachment(site, url, response, content_type, "", b"")
            return
        body = response.body
        sha256 = hashlib.sha256(body).hexdigest()
        if self.archive.file_known(sha256):
            text, source = None, "known"
        else:
            text, source = document_text(body, content_type, url)
        self.archive.note_attachment(url, sha256)
        stats.inc_value(f"kpu/site/{site.host}/attachments")
        yield self._attachment(site, url, response, content_type, sha256, body, text, source)

    def on_attachment_error(self, failure: Failure) -> Iterator[AttachmentRecord]:
        self.failed(failure, "attachment_errors", "%s: attachment %s not kept: %s")
        yield from ()  # a generator, as every errback of the spider: a worker counts when its output ends

    def failed(self, failure: Failure, stat: str, message: str) -> tuple[scrapy.Request, Site | None]:
        """Count and log a request that failed for good (any errback); its request and site."""
        request = failure.request  # type: ignore[attr-defined]
        site: Site | None = request.cb_kwargs.get("site")
        host = site.host if site else urlsplit(request.url).netloc
        self.crawler.stats.inc_value(f"kpu/site/{host}/{stat}")
        self.logger.warning(message, host, request.url, failure.getErrorMessage())
        return request, site

    @staticmethod
    def _attachment(
        site: Site, url: str, response: Response, content_type: str | None, sha256: str, body: bytes,
        text: str | None = None, source: str = "none",
    ) -> AttachmentRecord:  # fmt: skip
        return AttachmentRecord(
            host=site.host, url=url, fetched_url=response.url, fetched_at=datetime.now(UTC),
            http_status=response.status, content_type=content_type, sha256=sha256, size=len(body), body=body,
            text=text, text_source=source, warc=response.meta.get("warc"),
        )  # fmt: skip
