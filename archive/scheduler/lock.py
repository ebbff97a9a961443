"""One scheduler per archive: an ``flock`` beside a SQLite archive, an advisory lock on PostgreSQL.
Both are released by the operating system if the process dies."""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection, make_url


class SchedulerError(RuntimeError):
    """The scheduler cannot start; the message says why in one line."""


# ---- one scheduler per archive ---------------------------------------------------------------


class ArchiveLock:
    """Held for the scheduler's lifetime; released by the OS if the process dies."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._file: Any = None
        self._conn: Connection | None = None

    def acquire(self) -> None:
        url = make_url(str(self.engine.url))
        if self.engine.dialect.name == "sqlite":
            import fcntl

            path = Path(f"{url.database or 'memory'}.scheduler.lock")
            handle = path.open("a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                owner = handle.read().strip() or "?"
                handle.close()
                raise SchedulerError(
                    f"another scheduler is already running on this archive (pid {owner}, lock {path})"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            self._file = handle
        else:
            key = zlib.crc32(f"kpu-archive-scheduler:{url.database}".encode())
            conn = self.engine.connect()
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                conn.close()
                raise SchedulerError(f"another scheduler is already running on this archive ({url.database})")
            conn.commit()
            self._conn = conn

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
