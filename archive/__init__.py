"""The KPU archive: database, store, search, exports and the ``kpu-archive`` command line.

``from archive import Archive`` gives the Python API (``archive.read.api``).
"""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "Archive":  # imported on first use, so the command line starts without it
        from archive.read.api import Archive

        return Archive
    raise AttributeError(name)
