"""Schema objects that are not models: the full-text index and the ``posts`` view.

They are declared here, beside the models, and created with the ``articles`` table of a new
archive (``models`` attaches them as DDL events) or by the migrations that introduced them.
Alembic's comparisons leave them out (``OUTSIDE_MODELS``).
"""

from __future__ import annotations

from archive.vocab import UTC_OFFSET_HOURS, Table

FTS_TABLE = Table.ARTICLES_FTS.value
SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, body_text, content='articles', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title, body_text) VALUES (new.id, new.title, new.body_text); END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body_text)
        VALUES ('delete', old.id, old.title, old.body_text); END""",
    # only when the text changed: a recrawl that finds nothing new does not touch the index
    f"""CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, body_text ON articles
        WHEN old.title IS NOT new.title OR old.body_text IS NOT new.body_text BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body_text)
        VALUES ('delete', old.id, old.title, old.body_text);
        INSERT INTO {FTS_TABLE}(rowid, title, body_text) VALUES (new.id, new.title, new.body_text); END""",
]
POSTGRES_DDL = [
    "ALTER TABLE articles ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(body_text, '')), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS ix_articles_search_vector ON articles USING gin (search_vector)",
]
# the text read from attachments, indexed on its own: a post is found by words only its PDF holds
ATTACHMENTS_FTS = Table.ATTACHMENTS_FTS.value
ATTACHMENT_SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {ATTACHMENTS_FTS} USING fts5(text, content='attachment_files', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER IF NOT EXISTS attachments_fts_insert AFTER INSERT ON attachment_files BEGIN
        INSERT INTO {ATTACHMENTS_FTS}(rowid, text) VALUES (new.id, new.text); END""",
    f"""CREATE TRIGGER IF NOT EXISTS attachments_fts_delete AFTER DELETE ON attachment_files BEGIN
        INSERT INTO {ATTACHMENTS_FTS}({ATTACHMENTS_FTS}, rowid, text) VALUES ('delete', old.id, old.text); END""",
    f"""CREATE TRIGGER IF NOT EXISTS attachments_fts_update AFTER UPDATE OF text ON attachment_files
        WHEN old.text IS NOT new.text BEGIN
        INSERT INTO {ATTACHMENTS_FTS}({ATTACHMENTS_FTS}, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO {ATTACHMENTS_FTS}(rowid, text) VALUES (new.id, new.text); END""",
]
ATTACHMENT_POSTGRES_DDL = [
    "ALTER TABLE attachment_files ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple', coalesce(text, ''))) STORED",
    "CREATE INDEX IF NOT EXISTS ix_attachment_files_search_vector ON attachment_files USING gin (search_vector)",
]
# the taken-down posts only (an index over every row's NULL would lure the planner into reading all
# live posts through it for `removed_at IS NULL`); plain DDL, the same in both dialects: as a model
# Index its dialect options would load SQLAlchemy's PostgreSQL dialect into every SQLite crawl (~2 MB)
REMOVED_INDEX = "CREATE INDEX IF NOT EXISTS ix_articles_removed ON articles (removed_at) WHERE removed_at IS NOT NULL"
SEARCH_OBJECTS = {FTS_TABLE, "search_vector", "ix_articles_search_vector", ATTACHMENTS_FTS,
                  "ix_attachment_files_search_vector"}  # fmt: skip  # not in the models: migrations skip them

# a site's local time in SQLite: Indonesia keeps no daylight saving, so a fixed offset is exact
LOCAL_OFFSET = (
    "CASE s.timezone "
    + " ".join(f"WHEN '{zone}' THEN '+{hours} hours'" for zone, hours in UTC_OFFSET_HOURS.items())
    + " END"
)
POSTS_VIEW = f"""CREATE VIEW IF NOT EXISTS posts AS
SELECT a.id AS id, s.host AS site, s.name AS site_name, s.province AS province, s.level AS level,
       a.category AS category, a.title AS title,
       datetime(a.published_at, {LOCAL_OFFSET}) AS published_local,
       CAST(strftime('%Y', a.published_at, {LOCAL_OFFSET}) AS INTEGER) AS year,
       a.url AS url, a.body_text AS body_text, a.credit AS credit, a.view_count AS view_count,
       a.cluster_id AS cluster_id, a.first_seen_at AS first_seen_utc, a.removed_at AS removed_utc,
       s.host || '/' || a.native_id AS archive_id
FROM articles a JOIN sites s ON s.id = a.site_id"""

# not models, so autogenerate and schema checks leave them out: the FTS table (and FTS5's shadow
# tables, which share its prefix), the search column and index, the view, the scheduler's job store,
# the partial index of taken-down posts
OUTSIDE_MODELS = SEARCH_OBJECTS | {Table.POSTS, Table.SCHEDULER_JOBS, "ix_articles_removed"}


def outside_models(name: str | None) -> bool:
    return name is not None and (name.startswith((FTS_TABLE, ATTACHMENTS_FTS)) or name in OUTSIDE_MODELS)
