"""Random arguments, bytes and paths to every command: exit 0 or 2, one line on stderr when it
fails, no traceback, and the archive exactly as it was (hypothesis drives the command line in-process)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import article, ingest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.cli import main
from archive.storage.db import open_engine

# what a person might type, and what they should not: text, stray bytes (as Python's surrogate
# escapes of a non-UTF-8 argv), paths, dates, numbers, dashes
NOISE = st.one_of(
    st.text(max_size=30),
    st.binary(max_size=12).map(lambda b: b.decode("utf-8", "surrogateescape")),
    st.sampled_from(
        [
            "",
            "-",
            "--",
            "-x",
            "2025-13-01",
            "2024-01-01",
            "0",
            "-1",
            "99999999999",
            "kab-atlantis",
            "/",
            "/dev/null",
            "/nonexistent/dir/x.db",
            "a" * 300,
            "postgresql://postgres@127.0.0.1:1/x",
            '"unclosed',
            "pleno OR",
            "Papua",
            "kabupaten",
            "csv",
            "json",
        ]
    ),
)
# options that never start real work (a crawl, a server): values for them are random
OPTIONS = {
    "export": [
        "--site",
        "--province",
        "--level",
        "--category",
        "--since",
        "--until",
        "--format",
        "--query",
        "--out",
        "--db",
    ],
    "search": ["--site", "--province", "--level", "--since", "--until", "--format", "--limit", "--db"],
    "status": ["--site", "--format", "--db"],
    "runs": ["--limit", "--format", "--db"],
    "clusters": ["--limit", "--site", "--format", "--db"],
    "history": ["--format", "--db"],
    "sites": ["--level", "--province", "--format", "--registry"],
    "crawl": ["--max-pages", "--recheck-limit", "--registry", "--format"],  # always with an unknown --site
    "upgrade": ["--db"],
}
ARGUMENTS = {"search": 1, "history": 1}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("fuzz") / "a.db"
    engine = open_engine(str(db))
    ingest(engine, article("https://kab-ngawi.kpu.go.id/blog/read/1_x", "Rapat pleno terbuka.", title="Pleno"))
    engine.dispose()
    return db


def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


@st.composite
def invocations(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(OPTIONS)))
    args = [command]
    for _ in range(ARGUMENTS.get(command, 0)):
        args.append(draw(NOISE.filter(lambda s: not s.startswith("-"))))
    for option in draw(st.lists(st.sampled_from(OPTIONS[command]), max_size=4)):
        args += [option, draw(NOISE)]
    if command == "crawl":
        args += ["--site", "zz-" + draw(st.text(max_size=10))]  # never a registry site: no crawl starts
    return args


@settings(
    max_examples=int(os.environ.get("KPU_FUZZ_EXAMPLES", "200")),
    deadline=None,
    derandomize=not os.environ.get("KPU_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(args=invocations())
def test_random_arguments_are_handled(archive: Path, args: list[str]) -> None:
    before = dump(archive)
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):  # --out FILE lands here
        result = runner.invoke(main, args, env={"KPU_ARCHIVE_DB": str(archive)}, catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    allowed = {0, 1, 2} if args[0] == "status" else {0, 2}
    assert result.exit_code in allowed, (args, result.exit_code, result.stderr)
    if result.exit_code == 2:
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("kpu-archive: error: "), (
            args,
            result.stderr,
        )
    assert "Traceback" not in result.stderr
    assert dump(archive) == before
