"""datasketch's ``MinHash``, loaded without the rest of datasketch (see ``archive.imports``): the
package's ``__init__`` imports scipy for an LSH this archive does not use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archive.imports import load_alone

if TYPE_CHECKING:
    from datasketch import MinHash
else:
    MinHash = load_alone("datasketch", "minhash").MinHash

__all__ = ["MinHash"]
