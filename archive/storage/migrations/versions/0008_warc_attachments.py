"""Provenance: each version's WARC record, and attachments kept once per SHA-256 with their text
(searchable), the URLs that gave them and the posts that link them."""

import sqlalchemy as sa
from alembic import op

from archive.storage.schema import ATTACHMENT_POSTGRES_DDL, ATTACHMENT_SQLITE_DDL

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("warc_file", sa.String(200), nullable=True))
        batch.add_column(sa.Column("warc_record_id", sa.String(100), nullable=True))
    with op.batch_alter_table("article_versions") as batch:
        batch.add_column(sa.Column("warc_file", sa.String(200), nullable=True))
        batch.add_column(sa.Column("warc_record_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("warc_offset", sa.BigInteger(), nullable=True))
    op.create_table(
        "attachment_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(200), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("first_url", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("text_source", sa.String(200), nullable=False),
    )
    op.create_table(
        "attachment_urls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False, unique=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warc_file", sa.String(200), nullable=True),
        sa.Column("warc_record_id", sa.String(100), nullable=True),
        sa.Column("warc_offset", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_attachment_urls_sha256", "attachment_urls", ["sha256"])
    op.create_table(
        "article_attachments",
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id"), primary_key=True),
        sa.Column("url", sa.Text(), primary_key=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    for statement in ATTACHMENT_SQLITE_DDL if op.get_bind().dialect.name == "sqlite" else ATTACHMENT_POSTGRES_DDL:
        op.execute(statement)
    # the posts archived before this release that link documents: their links, so lineage covers them
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "INSERT OR IGNORE INTO article_attachments (article_id, url, first_seen_at) "
            "SELECT a.id, json_extract(e.value, '$.url'), a.first_seen_at FROM articles a, json_each(a.attachments) e "
            "WHERE json_type(a.attachments) = 'array' AND json_extract(e.value, '$.url') IS NOT NULL"
        )
    else:
        op.execute(
            "INSERT INTO article_attachments (article_id, url, first_seen_at) "
            "SELECT DISTINCT a.id, e->>'url', a.first_seen_at FROM articles a, json_array_elements(a.attachments) e "
            "WHERE json_typeof(a.attachments) = 'array' AND e->>'url' IS NOT NULL ON CONFLICT DO NOTHING"
        )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
