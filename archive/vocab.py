"""The archive's vocabularies, each written down once: site levels, time zones, crawl modes, event
kinds, removal reasons and outcomes.  Everything else imports them from here."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

LEVELS: Final = ("nasional", "provinsi", "kabupaten", "kota")
# a national body (KPU RI) ranks before a province, which ranks before a regency or city, when the
# origin of a syndicated release is chosen among copies published at the same moment
LEVEL_RANK: Final = {"nasional": 0, "provinsi": 1, "kabupaten": 2, "kota": 2}
HOST_SOURCES: Final = ("seen", "derived", "custom")  # custom: a user's own registry that does not say

# Indonesia's three zones: WIB +07, WITA +08, WIT +09; none keeps daylight saving
TIMEZONES: Final = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
UTC_OFFSET_HOURS: Final = {"Asia/Jakarta": 7, "Asia/Makassar": 8, "Asia/Jayapura": 9}
ZONE_ABBREVIATIONS: Final = {"wib": "Asia/Jakarta", "wita": "Asia/Makassar", "wit": "Asia/Jayapura"}
ZONE_LABELS: Final = {zone: abbreviation.upper() for abbreviation, zone in ZONE_ABBREVIATIONS.items()}

CRAWL_MODES: Final = ("incremental", "full", "recheck")
# the software a site runs; each has a module under crawlers/platforms/: the regional CMS of the
# 552 provincial, regency and city sites, KPU RI's own stack (www.kpu.go.id), JDIH (jdih.kpu.go.id)
PLATFORMS: Final = ("regional", "kpu-ri", "jdih")
PLATFORM_ALIASES: Final = {"regional-cms": "regional"}  # the name an earlier release wrote


class EventKind(StrEnum):
    """What ``article_events`` records about an article."""

    FIRST_SEEN = "first-seen"
    EDITED = "edited"
    MOVED = "moved"
    MERGED = "merged"
    REMOVAL_SUSPECTED = "removal-suspected"
    REMOVAL_CLEARED = "removal-cleared"
    REMOVED = "removed"
    RESTORED = "restored"


class GoneReason(StrEnum):
    """Why a fetch counts as evidence that an article is gone (5xx and timeouts never do)."""

    HTTP_404 = "http-404"
    HTTP_410 = "http-410"
    SOFT_404 = "soft-404"
    REDIRECT_HOME = "redirect-home"
    REDIRECT_AWAY = "redirect-away"


class Outcome(StrEnum):
    """What ingesting one record did to the archive (Open States' importer reports the same way)."""

    INSERTED = "inserted"  # a new article
    UPDATED = "updated"  # a new version of an archived article
    UNCHANGED = "unchanged"  # seen again, same content
    MERGED = "merged"  # two archived articles turned out to be one
    SUSPECTED = "suspected"  # first evidence of a takedown
    REMOVED = "removed"  # a takedown confirmed
    RESTORED = "restored"  # a removed article answered again
    NOTED = "noted"  # recorded (a check, a failure, a frontier link) without changing an article


class Table(StrEnum):
    """Table names, for the code that writes SQL by hand (views, canned queries, migrations)."""

    SITES = "sites"
    ARTICLES = "articles"
    ARTICLE_VERSIONS = "article_versions"
    ARTICLE_URLS = "article_urls"
    ARTICLE_EVENTS = "article_events"
    CLUSTERS = "clusters"
    MINHASH_BANDS = "minhash_bands"
    CRAWL_RUNS = "crawl_runs"
    FRONTIER = "frontier"
    LISTING_STATE = "listing_state"
    LISTING_NEIGHBOURS = "listing_neighbours"
    JOB_RUNS = "job_runs"
    SCHEDULER_JOBS = "scheduler_jobs"
    ARTICLES_FTS = "articles_fts"
    ATTACHMENT_FILES = "attachment_files"
    ATTACHMENT_URLS = "attachment_urls"
    ARTICLE_ATTACHMENTS = "article_attachments"
    ATTACHMENTS_FTS = "attachments_fts"
    POSTS = "posts"
