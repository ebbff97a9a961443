"""Options that several commands share, declared once (sqlite-utils' ``output_options`` is the model)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import click

from archive.vocab import LEVELS

F = TypeVar("F", bound=Callable[..., Any])

DB_HELP = "The archive: a SQLite path or a postgresql:// URL (default: $KPU_ARCHIVE_DB, else ./kpu-archive.db)."


def db_option(func: F) -> F:
    return click.option("--db", type=str, default=None, metavar="PATH|URL", help=DB_HELP)(func)


def registry_option(func: F) -> F:
    return click.option(
        "--registry",
        type=str,
        default=None,
        metavar="FILE",
        help="A registry CSV replacing the bundled one (same columns, optional base_url).",
    )(func)


def sites_option(
    help_text: str = "Only these sites (repeatable): kab-ngawi or kab-ngawi.kpu.go.id.",
) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        return click.option("--site", "sites", multiple=True, metavar="HOST", help=help_text)(func)

    return decorate


def format_option(*choices: str, default: str | None = None) -> Callable[[F], F]:
    """``--format`` for what a command prints; the first choice is the default."""

    def decorate(func: F) -> F:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(choices),
            default=default or choices[0],
            show_default=True,
            help="How to print the result.",
        )(func)

    return decorate


def limit_option(default: int, what: str) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        return click.option(
            "--limit", type=click.IntRange(1), default=default, show_default=True, metavar="N", help=f"How many {what}."
        )(func)

    return decorate


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)") from None


def filter_options(func: F) -> F:
    """The filters search and export share."""
    options = [
        sites_option(),
        click.option(
            "--province",
            "provinces",
            multiple=True,
            metavar="NAME",
            help="Only sites of this province, e.g. 'Papua' (repeatable).",
        ),
        click.option(
            "--level", "levels", multiple=True, type=click.Choice(LEVELS), help="nasional, provinsi, kabupaten, kota."
        ),
        click.option(
            "--category",
            "categories",
            multiple=True,
            metavar="LABEL",
            help="Only this category label, e.g. 'Berita Terkini' (repeatable).",
        ),
        click.option(
            "--since",
            default=None,
            metavar="DATE",
            callback=_date,
            help="Published on or after DATE (YYYY-MM-DD, the site's local date).",
        ),
        click.option("--until", default=None, metavar="DATE", callback=_date, help="Published on or before DATE."),
        click.option(
            "--one-per-cluster",
            is_flag=True,
            help="Only each syndication cluster's probable origin (and articles without copies).",
        ),
        db_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func
