"""WARC output (ISO 28500): every fetch as the server sent it, for replay (pywb, ReplayWeb.page) and citation.

``WarcMiddleware`` sits next to the downloader (after the retry, redirect and decompression
middlewares in the response path), so robots.txt, listings, articles, attachments, redirects and
retried 5xx answers are all written as they came: status line, headers and the body still in its
``Content-Encoding``.  warcio builds each response/request pair (digests, ``WARC-Concurrent-To``);
each record is its own gzip member, and a pair goes to the file in one ``write``, so a crawl killed
at any moment leaves a file that reads to its last complete record.

Files are named ``kpu-archive-run{RUN}-{STAMP}-{SEQ}.warc.gz``, open with a ``warcinfo`` record
(software, run, sequence, the file before it) and rotate at ``KPU_WARC_MAX_BYTES`` (about 1 GB).
The request's ``meta["warc"]`` gets the response record's file, id and offset: the version that page
becomes points into the WARC.
"""

from __future__ import annotations

import io
import os
import socket
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from archive.domain.records import WarcRef

SOFTWARE = "kpu-archive/0.1 (Scrapy; warcio)"
HOP_BY_HOP = {b"transfer-encoding", b"connection", b"keep-alive"}  # the body is already de-chunked


class WarcFiles:
    """The WARC files of one crawl process: named, opened with their warcinfo, rotated, closed."""

    def __init__(self, directory: Path, max_bytes: int, info: dict[str, str]) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.info = info
        self.run: str = "0"
        self.stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.sequence = 0
        self.names: list[str] = []
        self._fd: int | None = None
        self._size = 0
        self._records = 0

    def write_pair(self, response: Any, request: Any) -> WarcRef:
        """Append one response record and its request record; where the response record lies."""
        from warcio.warcwriter import WARCWriter

        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=True)
        writer.write_request_response_pair(request, response)
        data = buffer.getvalue()
        if self._fd is not None and self._records and self._size + len(data) > self.max_bytes:
            self.close()
        if self._fd is None:
            self._open()
        assert self._fd is not None
        offset = self._size
        os.write(self._fd, data)
        self._size += len(data)
        self._records += 1
        return WarcRef(self.names[-1], response.rec_headers.get_header("WARC-Record-ID"), offset)

    def _open(self) -> None:
        from warcio.warcwriter import WARCWriter

        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            self.sequence += 1
            name = f"kpu-archive-run{self.run}-{self.stamp}-{self.sequence:05d}.warc.gz"
            try:
                self._fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
                break
            except FileExistsError:  # another worker of the same run and second: take the next number
                continue
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=True)
        info = {**self.info, "run": self.run, "sequence": str(self.sequence)}
        if self.names:
            info["previous-file"] = self.names[-1]
        writer.write_record(writer.create_warcinfo_record(name, info))
        os.write(self._fd, buffer.getvalue())
        self._size, self._records = len(buffer.getvalue()), 0
        self.names.append(name)

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None


class WarcMiddleware:
    """Downloader middleware: every response that reaches it is written, with its request, to the WARC."""

    def __init__(self, crawler: Crawler, files: WarcFiles) -> None:
        self.crawler = crawler
        self.files = files

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcMiddleware:
        directory = crawler.settings.get("KPU_WARC_DIR")
        if not directory:
            raise NotConfigured
        info = {
            "software": SOFTWARE, "format": "WARC File Format 1.1", "conformsTo": "https://iso.org/standard/68004.html",
            "hostname": socket.gethostname(), "http-header-user-agent": crawler.settings.get("USER_AGENT", ""),
            "robots": "obey" if crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        }  # fmt: skip
        middleware = cls(crawler, WarcFiles(Path(directory), crawler.settings.getint("KPU_WARC_MAX_BYTES"), info))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if self.files.run == "0" and self.crawler.stats is not None:
            self.files.run = str(self.crawler.stats.get_value("kpu/run_id") or "0")
        record, request_record = self._records(request, response)
        request.meta["warc"] = self.files.write_pair(record, request_record)
        return response

    def spider_closed(self, spider: Spider) -> None:
        self.files.close()
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("kpu/warc_files", list(self.files.names))

    @staticmethod
    def _records(request: Request, response: Response) -> tuple[Any, Any]:
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        writer = WARCWriter(io.BytesIO(), gzip=True)  # a record factory: nothing is written through it
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in response.headers.items()
                   if k.lower() not in HOP_BY_HOP for v in vs]  # fmt: skip
        if not any(name.lower() == "content-length" for name, _ in headers):
            headers.append(("Content-Length", str(len(response.body))))
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "Unknown"
        protocol = getattr(response, "protocol", None) or "HTTP/1.1"
        warc_headers = {"WARC-IP-Address": str(response.ip_address)} if response.ip_address else {}
        record = writer.create_warc_record(
            response.url, "response", payload=io.BytesIO(response.body), warc_headers_dict=warc_headers,
            http_headers=StatusAndHeaders(f"{response.status} {reason}", headers, protocol=protocol),
        )  # fmt: skip
        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_headers = [("Host", parts.netloc)] + [
            (k.decode("latin-1"), v.decode("latin-1")) for k, vs in request.headers.items() for v in vs
        ]
        request_record = writer.create_warc_record(
            request.url, "request", payload=io.BytesIO(request.body or b""),
            http_headers=StatusAndHeaders(f"{request.method} {target} {protocol}", request_headers,
                                          protocol=protocol, is_http_request=True),
        )  # fmt: skip
        return record, request_record
