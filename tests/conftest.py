"""Shared test helpers: one CLI runner, one record factory, the fixture pages, and the PostgreSQL
service (skip, or fail under CI).  Test modules import the helpers: ``from conftest import …``."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from archive.domain.identity import article_ref
from archive.domain.records import ArticleRecord, GoneRecord, Record
from archive.domain.sites import load_registry
from archive.ingest import IngestSession
from archive.vocab import GoneReason

FIXTURES = Path(__file__).parent / "fixtures"
PG_ADMIN_URL = os.environ.get("KPU_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_SERVICES = os.environ.get("KPU_REQUIRE_SERVICES") == "1"


def _pg_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means "not reachable" here
        return str(exc).strip().splitlines()[0] if str(exc) else type(exc).__name__


@pytest.fixture(scope="session")
def pg_server() -> str:
    reason = _pg_reachable()
    if reason:
        if REQUIRE_SERVICES:
            pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is required (KPU_REQUIRE_SERVICES=1): {reason}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {reason}")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    import psycopg

    name = f"kpu_test_{uuid.uuid4().hex[:10]}"
    admin = pg_server.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_server.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


REDIS_URL = os.environ.get("KPU_TEST_REDIS", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """An empty Redis database (15, flushed before and after) for the work queue of a distributed crawl."""
    try:
        import redis

        server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        server.ping()
    except Exception as exc:  # any failure to connect means "not reachable" here
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis at {REDIS_URL} is required (KPU_REQUIRE_SERVICES=1): {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    server.flushdb()
    yield REDIS_URL
    server.flushdb()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each archive test runs on SQLite and, where reachable, on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.db'}"
    return request.getfixturevalue("pg_url")


# ---- the command line -------------------------------------------------------------------------


def kpu_archive(*args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``kpu-archive ARGS`` as a user would, in a fresh process; ``KPU_ARCHIVE_DB`` is cleared so
    only ``--db`` names the archive, and local sample sites need no politeness delay."""
    environment = {**os.environ, "KPU_ARCHIVE_DB": "", "KPU_DOWNLOAD_DELAY": "0", "COLUMNS": "160", **env}
    return subprocess.run(
        [sys.executable, "-m", "archive", *args], capture_output=True, text=True, env=environment, timeout=timeout
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], fragment: str, code: int = 2) -> None:
    """Exit ``code``, exactly one line on stderr naming ``fragment``, no traceback."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr
    assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


# ---- records ------------------------------------------------------------------------------------

T0 = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)


def article(
    url: str,
    body: str = "isi",
    fetched_at: datetime = T0,
    *,
    title: str | None = "Judul",
    redirected_from: Sequence[str] = (),
    **fields: Any,
) -> ArticleRecord:
    """An article record as the spider would hand it over, with the fields a test cares about."""
    defaults: dict[str, Any] = {
        "category_id": "104",
        "category": "Berita Terkini",
        "category_source": "page",
        "raw_html": f"<p>{body}</p>".encode(),
        "body_html": f"<p>{body}</p>",
    }
    return ArticleRecord.of(
        url,
        title=title,
        body_text=body,
        fetched_at=fetched_at,
        redirected_from=redirected_from,
        **{**defaults, **fields},
    )


def gone(url: str, at: datetime, status: int = 404, reason: str = "http-404") -> GoneRecord:
    ref = article_ref(url)
    assert ref is not None, url
    return GoneRecord(ref=ref, final_url=url, status=status, reason=GoneReason(reason), checked_at=at)


def ingest(engine: Engine, *records: Record, hosts: Sequence[str] = (), **kwargs: Any) -> IngestSession:
    """Write ``records`` through the real ingest path (no run row); the session keeps its counts."""
    registry = load_registry()
    wanted = list(dict.fromkeys([*hosts, *(r.host for r in records)]))
    session = IngestSession(engine, [registry.get(h) for h in wanted], run=False, **kwargs)  # type: ignore[misc]
    for record in records:
        session.add(record)
    session.flush()
    return session
