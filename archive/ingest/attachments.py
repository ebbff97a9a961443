"""Attachments: the documents posts link, each file once per SHA-256, each URL with the file it gave.

The file itself went to the file store when the record came (``BatchWriter.add``); here its row is
written with the batch: the first site and time that had it stay as they were (``ON CONFLICT DO
NOTHING``), so lineage can say who posted it first.  The links from posts to attachment URLs are
written with the articles (``link_attachments``), and nothing removes them: a post taken down keeps
its attachments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from archive.domain.records import AttachmentRecord
from archive.ingest.context import BatchContext
from archive.storage.db import upsert
from archive.storage.files import FileStore
from archive.storage.models import ArticleAttachment, AttachmentFile, AttachmentUrl


def write_attachments(session: Session, ctx: BatchContext, records: list[AttachmentRecord]) -> None:
    files: dict[str, dict[str, Any]] = {}
    urls: dict[str, dict[str, Any]] = {}
    for rec in sorted(records, key=lambda r: r.fetched_at):
        ok = rec.http_status == 200 and bool(rec.sha256)
        if ok and rec.text_source != "known":
            files.setdefault(rec.sha256, {
                "sha256": rec.sha256, "size": rec.size, "content_type": rec.content_type,
                "path": FileStore.path_of(rec.sha256), "first_seen_at": rec.fetched_at,
                "first_site_id": ctx.site_id(rec.host), "first_url": rec.url, "text": rec.text,
                "text_source": rec.text_source,
            })  # fmt: skip
        urls[rec.url] = {
            "url": rec.url, "site_id": ctx.site_id(rec.host), "sha256": rec.sha256 if ok else None,
            "http_status": rec.http_status, "fetched_at": rec.fetched_at,
            "warc_file": rec.warc.file if rec.warc else None,
            "warc_record_id": rec.warc.record_id if rec.warc else None,
            "warc_offset": rec.warc.offset if rec.warc else None,
        }  # fmt: skip
    if files:
        session.execute(upsert(session, AttachmentFile, ("sha256",)), list(files.values()))
    if urls:
        changing = ("site_id", "sha256", "http_status", "fetched_at", "warc_file", "warc_record_id", "warc_offset")
        session.execute(upsert(session, AttachmentUrl, ("url",), changing), list(urls.values()))


def link_attachments(session: Session, links: list[tuple[int, str, datetime]]) -> None:
    """Record that these posts link these attachment URLs (once per post and URL)."""
    rows = {(a, u): {"article_id": a, "url": u, "first_seen_at": at} for a, u, at in links}
    if rows:
        session.execute(upsert(session, ArticleAttachment, ("article_id", "url")), list(rows.values()))
