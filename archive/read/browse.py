"""Browsing the archive in Datasette (``kpu-archive serve``): the ``posts`` view and its metadata.

``posts`` joins articles to their sites and gives each post its local publication time and year
(WIB +07, WITA +08, WIT +09; Indonesia keeps no daylight saving, so a fixed offset is exact).
Datasette searches it through the articles' FTS5 index and facets it on province, site, category
and year.  Datasette reads SQLite files only, and opens them read-only (``mode=ro``).
"""

from __future__ import annotations

from typing import Any

from archive.storage.schema import LOCAL_OFFSET as _OFFSET
from archive.vocab import Table

_LOCAL = f"strftime('%Y-%m', a.published_at, {_OFFSET})"
CANNED_QUERIES = {
    "posts_per_site_per_month": {
        "title": "Posts per site per month",
        "description": "Live posts by publication month in the site's own zone (undated posts left out).",
        "sql": f"SELECT s.host AS site, s.province, {_LOCAL} AS month, count(*) AS posts FROM articles a "
        "JOIN sites s ON s.id = a.site_id WHERE a.published_at IS NOT NULL AND a.removed_at IS NULL "
        "GROUP BY s.host, s.province, month ORDER BY s.host, month",
    },
    "largest_clusters": {
        "title": "Largest syndication clusters",
        "description": "Releases re-posted on several sites: size, sites, and the probable origin.",
        "sql": "SELECT c.id AS cluster_id, c.size AS copies, count(DISTINCT m.site_id) AS sites, "
        "s.host AS origin_site, o.title AS origin_title, o.published_at AS origin_published_utc, "
        "o.url AS origin_url "
        "FROM clusters c JOIN articles o ON o.id = c.origin_article_id JOIN sites s ON s.id = o.site_id "
        "JOIN articles m ON m.cluster_id = c.id GROUP BY c.id ORDER BY c.size DESC, c.id LIMIT 200",
    },
    "recently_removed": {
        "title": "Recently removed posts",
        "description": "Confirmed takedowns, newest first, with the evidence.",
        "sql": "SELECT s.host AS site, a.title, a.url, a.removed_at AS removed_utc, a.removal_reason, "
        "a.removal_status, a.removal_url, a.last_seen_at AS last_seen_utc FROM articles a "
        "JOIN sites s ON s.id = a.site_id WHERE a.removed_at IS NOT NULL ORDER BY a.removed_at DESC LIMIT 500",
    },
    "silent_sites": {
        "title": "Sites that went silent",
        "description": "Sites whose newest post is older than :days days (default 30), quietest first.",
        "sql": "SELECT s.host AS site, s.province, count(a.id) AS posts, "
        "max(coalesce(a.published_at, a.first_seen_at)) AS newest_utc FROM sites s "
        "JOIN articles a ON a.site_id = s.id GROUP BY s.id "
        "HAVING newest_utc < datetime('now', '-' || coalesce(nullif(:days, ''), 30) || ' days') "
        "ORDER BY newest_utc",
    },
}


# Datasette settings for ``serve``: long bodies cut to 300 characters in tables (the row page has them whole)
SETTINGS = {"default_page_size": 50, "truncate_cells_html": 300}


def metadata(database: str) -> dict[str, Any]:
    """Datasette metadata: titles, facets, column descriptions, FTS on ``posts``, canned queries."""
    columns = {
        "site": "Host of the KPU site",
        "site_name": "Name of the KPU body",
        "level": "nasional, provinsi, kabupaten or kota",
        "published_local": "Publication time in the site's own zone (WIB/WITA/WIT)",
        "year": "Publication year, local time",
        "cluster_id": "Syndication cluster (copies of one release)",
        "first_seen_utc": "When the archive first saw the post (UTC)",
        "removed_utc": "When it was taken down (UTC)",
        "archive_id": "Stable id: host/native key",
        "body_text": "Text of the post",
    }
    return {
        "title": "KPU archive",
        "description": "Posts of Indonesia's election bodies (KPU), archived by kpu-archive. Read-only.",
        "databases": {
            database: {
                "tables": {
                    "posts": {
                        "title": "Posts",
                        "fts_table": "articles_fts",
                        "fts_pk": "id",
                        "label_column": "title",
                        "facets": ["province", "site", "category", "year"],
                        "sort_desc": "published_local",
                        "columns": columns,
                    },
                    # the raw tables stay one click away ("hidden tables"), so the posts view comes first
                    **{str(name): {"hidden": True} for name in Table if name not in (Table.POSTS, Table.ARTICLES_FTS)},
                    "alembic_version": {"hidden": True},
                },
                "queries": CANNED_QUERIES,
            }
        },
    }
