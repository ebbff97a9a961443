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
