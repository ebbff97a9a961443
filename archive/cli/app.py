"""The ``kpu-archive`` group, and how every command fails: one line on stderr, exit 2, nothing written."""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

USAGE_ERROR = 2


def printable(text: str) -> str:
    """``text`` with any undecodable bytes (surrogate escapes from a non-UTF-8 argument) as ``\\xNN``."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    """Bad input or an unusable archive: one line on stderr and exit 2."""
    click.echo(f"kpu-archive: error: {' '.join(printable(message).split())}", err=True)
    sys.exit(code)


def check_utf8(args: list[str]) -> None:
    """Arguments must be UTF-8 text: a site, a category, a URL or a query with stray bytes is refused
    before anything reads or writes."""
    for arg in args:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            fail(f"argument '{printable(arg)}' is not UTF-8 text")
        if "\x00" in arg:
            fail(f"argument {arg!r} holds a NUL character")


class OneLineErrors(click.Group):
    """Click's usage errors, too, as one line on stderr and exit 2 (not Click's three-line block)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        argv = args[0] if args else kwargs.get("args")
        check_utf8(list(sys.argv[1:] if argv is None else argv))
        try:
            result = super().main(*args, **kwargs)
        except click.NoSuchOption as exc:
            hint = (
                " (a search query that starts with '-' goes after '--': kpu-archive search -- -word)"
                if exc.option_name.startswith("-") and not exc.option_name.startswith("--")
                else ""
            )
            fail(f"{exc.format_message()} (see --help){hint}")
        except click.ClickException as exc:
            fail(f"{exc.format_message()} (see --help)" if isinstance(exc, click.UsageError) else exc.format_message())
        except click.exceptions.Abort:
            click.echo("kpu-archive: aborted", err=True)
            sys.exit(1)
        except Exception as exc:  # a bug, not bad input: still one line, unless KPU_DEBUG asks for the traceback
            if os.environ.get("KPU_DEBUG"):
                raise
            fail(f"internal error: {type(exc).__name__}: {exc} (KPU_DEBUG=1 shows the traceback)", code=1)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kpu-archive")
def main() -> None:
    """Crawl, archive and export what Indonesia's election bodies (KPU) publish."""
