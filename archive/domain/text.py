"""Text normalisation shared by identity, versions and clustering: NFKC, folded space, the hash."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from typing import Any


def folded(text: str | None) -> str:
    """NFKC, case-folded, whitespace runs as one space: the form two texts are compared in."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def same_title(a: str | None, b: str | None) -> bool:
    """Both stated and equal once normalised."""
    return bool(a and b) and folded(a) == folded(b)


def content_sha256(title: str | None, body_text: str, attachments: Iterable[dict[str, Any]]) -> str:
    """Hash of what a reader would call the content: title, body text and attachment URLs."""
    parts = [title or "", body_text, *sorted(str(a.get("url")) for a in attachments)]
    normalised = "\x1f".join(" ".join(unicodedata.normalize("NFKC", p).split()) for p in parts)
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()
