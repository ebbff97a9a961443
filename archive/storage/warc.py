"""Reading the crawl's WARC files back: every response record, or one record at a known offset.

warcio undoes the HTTP transfer (chunking) and content encodings (gzip, deflate, br) in
``content_stream()``, so a payload read here is the page as the crawl parsed it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from archive.domain.records import WarcRef


@dataclass(frozen=True, slots=True)
class WarcResponse:
    url: str
    status: int
    content_type: str
    body: bytes
    ref: WarcRef
    date: str  # WARC-Date: when it was fetched (ISO 8601, UTC)


def is_warc(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((".warc", ".warc.gz"))


def iter_responses(path: Path) -> Iterator[WarcResponse]:
    """Every HTTP response record of one WARC file, in file order."""
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.rec_type != "response" or record.http_headers is None:
                continue
            body = record.content_stream().read()
            yield _response(record, body, WarcRef(path.name, record.rec_headers.get_header("WARC-Record-ID"),
                                                  records.get_record_offset()))  # fmt: skip


def read_response(directory: Path, ref: WarcRef) -> WarcResponse:
    """The response record ``ref`` points at (each record is its own gzip member, so one seek)."""
    from warcio.archiveiterator import ArchiveIterator

    with (directory / ref.file).open("rb") as stream:
        stream.seek(ref.offset)
        record = next(iter(ArchiveIterator(stream)))
        found = record.rec_headers.get_header("WARC-Record-ID")
        if found != ref.record_id:
            raise ValueError(f"{ref.file} at {ref.offset} holds {found}, not {ref.record_id}")
        return _response(record, record.content_stream().read(), ref)


def _response(record: object, body: bytes, ref: WarcRef) -> WarcResponse:
    headers = record.http_headers  # type: ignore[attr-defined]
    status = int((headers.get_statuscode() or "0")[:3])
    return WarcResponse(
        url=record.rec_headers.get_header("WARC-Target-URI"),  # type: ignore[attr-defined]
        status=status, content_type=headers.get_header("Content-Type") or "", body=body, ref=ref,
        date=record.rec_headers.get_header("WARC-Date"),  # type: ignore[attr-defined]
    )  # fmt: skip
