"""The attachment file store: each document once, named by its SHA-256, in a folder beside the archive.

``ab/cd/abcd…`` (two levels of 256 folders, as git and most content stores do), written to a
temporary name and renamed into place, so a killed crawl never leaves half a file under a real
name.  The folder is ``<archive name>-attachments`` beside a SQLite file; for PostgreSQL (or to
share one store between machines) ``$KPU_ATTACHMENTS_DIR`` or ``--attachments-dir`` names it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from archive.storage.db import resolve_url

ENV_VAR = "KPU_ATTACHMENTS_DIR"


def default_store_dir(db_url: str | None = None, configured: str | None = None) -> Path:
    """Where an archive's attachments live: as configured, else beside a SQLite file, else ``./``."""
    if configured or os.environ.get(ENV_VAR):
        return Path(configured or os.environ[ENV_VAR]).expanduser().resolve()
    parsed = make_url(resolve_url(db_url))
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        database = Path(parsed.database)
        return database.with_name(f"{database.stem}-attachments")
    return Path("kpu-archive-attachments").resolve()


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def path_of(sha256: str) -> str:
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def has(self, sha256: str) -> bool:
        return (self.root / self.path_of(sha256)).is_file()

    def put(self, sha256: str, body: bytes) -> str:
        """Store ``body`` under its hash (once: a file already there is kept); its path in the store."""
        relative = self.path_of(sha256)
        target = self.root / relative
        if target.is_file():
            return relative
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return relative

    def read(self, sha256: str) -> bytes:
        return (self.root / self.path_of(sha256)).read_bytes()
