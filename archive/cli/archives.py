"""Opening the archive from a command: readers never create or migrate, writers may."""

from __future__ import annotations

from sqlalchemy import Engine

from archive.cli.app import fail
from archive.domain.sites import Registry, RegistryError, load_registry
from archive.storage.db import ArchiveUnavailable, open_engine


def for_reading(db: str | None) -> Engine:
    """An existing archive at this release's schema, or one line saying why not (exit 2)."""
    try:
        return open_engine(db, readonly=True)
    except ArchiveUnavailable as exc:
        fail(str(exc))


def for_writing(db: str | None) -> Engine:
    """The archive, created where there is none and upgraded where it is older."""
    try:
        return open_engine(db)
    except ArchiveUnavailable as exc:
        fail(str(exc))


def registry(path: str | None) -> Registry:
    try:
        return load_registry(path)
    except RegistryError as exc:
        fail(str(exc))


def check_writable(engine: Engine) -> None:
    """Refuse before Scrapy starts, not with tracebacks after: a read-only file, folder or database.
    The probe writes one row to itself, inside a transaction that holds the archive's write lock."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from archive.storage.db import first_line, write_transaction

    try:
        with write_transaction(engine) as session:
            session.execute(text("UPDATE alembic_version SET version_num = version_num"))
    except SQLAlchemyError as exc:
        engine.dispose()
        fail(f"cannot write to archive {engine.url.render_as_string(hide_password=True)}: {first_line(exc)}")


def ready_for_writing(db: str | None) -> None:
    """Create or upgrade the archive and prove it takes writes, before any crawl process opens it."""
    engine = for_writing(db)
    check_writable(engine)
    engine.dispose()
