"""The text of an attachment: PDFs with pypdf, DOCX with python-docx, XLSX with openpyxl.

Each library is imported on the first file of its kind.  A document that fails to read is kept all
the same, with ``error: …`` as its text source; old binary DOC/XLS files and images are kept with
no text (``none``): nothing here reads them cheaply, and nothing is invented for them.
"""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import urlsplit

MAX_PDF_PAGES = 500  # a longer document is read to here (its text source says so)
MAX_TEXT_CHARS = 2_000_000
MAX_SHEET_ROWS = 20_000


def kind_of(body: bytes, content_type: str | None, url: str) -> str:
    """``pdf``, ``docx``, ``xlsx`` or ``other``: by the bytes first (servers label PDFs
    ``application/octet-stream``), then the declared type, then the file name."""
    if body.startswith(b"%PDF"):
        return "pdf"
    name = urlsplit(url).path.lower()
    declared = (content_type or "").lower()
    if body.startswith(b"PK"):
        if "wordprocessingml" in declared or name.endswith(".docx") or _zip_has(body, "word/document.xml"):
            return "docx"
        if "spreadsheetml" in declared or name.endswith(".xlsx") or _zip_has(body, "xl/workbook.xml"):
            return "xlsx"
    return "other"


def document_text(body: bytes, content_type: str | None, url: str) -> tuple[str | None, str]:
    """(the document's text, or None, and how it was read)."""
    kind = kind_of(body, content_type, url)
    try:
        if kind == "pdf":
            return _pdf(body)
        if kind == "docx":
            return _docx(body), "docx"
        if kind == "xlsx":
            return _xlsx(body), "xlsx"
    except Exception as exc:  # a broken or hostile file: kept, unread, with the reason
        return None, f"error: {type(exc).__name__}: {str(exc)[:150]}"
    return None, "none"


def _clean(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()[:MAX_TEXT_CHARS]


def _pdf(body: bytes) -> tuple[str | None, str]:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed-but-readable files warn on every page
    reader = PdfReader(io.BytesIO(body))
    pages = reader.pages
    texts = [pages[i].extract_text() or "" for i in range(min(len(pages), MAX_PDF_PAGES))]
    text = _clean("\n\n".join(texts))
    source = "pypdf" if len(pages) <= MAX_PDF_PAGES else f"pypdf (first {MAX_PDF_PAGES} of {len(pages)} pages)"
    return (text or None), source if text else "pypdf: no text layer (a scan?)"


def _docx(body: bytes) -> str | None:
    from docx import Document

    document = Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return _clean("\n".join(parts)) or None


def _xlsx(body: bytes) -> str | None:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    lines: list[str] = []
    for sheet in workbook.worksheets:
        lines.append(sheet.title)
        for n, row in enumerate(sheet.iter_rows(values_only=True)):
            if n >= MAX_SHEET_ROWS:
                break
            cells = [str(v) for v in row if v is not None]
            if cells:
                lines.append(" | ".join(cells))
    workbook.close()
    return _clean("\n".join(lines)) or None


def _zip_has(body: bytes, member: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return member in archive.namelist()
    except zipfile.BadZipFile:
        return False
