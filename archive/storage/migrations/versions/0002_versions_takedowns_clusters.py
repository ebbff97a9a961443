"""Versions, takedowns, URL history, syndication clusters, incremental crawl state."""

import sqlalchemy as sa
from alembic import op

from archive.storage.models import AwareDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("checked_at", AwareDateTime(), nullable=True))
        batch.add_column(sa.Column("removal_suspected_at", AwareDateTime(), nullable=True))
        batch.add_column(sa.Column("removal_status", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("removal_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("removal_reason", sa.String(40), nullable=True))
        batch.add_column(sa.Column("cluster_id", sa.Integer(), nullable=True))
        batch.create_index("ix_articles_checked_at", ["checked_at"])
        batch.create_index("ix_articles_cluster_id", ["cluster_id"])
    # an article may return to an earlier content (A, B, A): versions are no longer unique by hash
    with op.batch_alter_table("article_versions") as batch:
        batch.drop_constraint("uq_version_content", type_="unique")
    with op.batch_alter_table("crawl_runs") as batch:
        batch.alter_column("status", type_=sa.String(40), existing_type=sa.String(20))
        batch.add_column(sa.Column("mode", sa.String(20), nullable=False, server_default="incremental"))
        batch.add_column(sa.Column("articles_removed", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("articles_restored", sa.Integer(), nullable=False, server_default="0"))

    op.create_table(
        "article_urls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("first_seen_at", AwareDateTime(), nullable=False),
        sa.Column("last_seen_at", AwareDateTime(), nullable=False),
        sa.Column("via", sa.String(20), nullable=False),
        sa.UniqueConstraint("site_id", "url", name="uq_article_url"),
    )
    op.create_index("ix_article_urls_article_id", "article_urls", ["article_id"])
    op.create_table(
        "article_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("at", AwareDateTime(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_article_events_article_id", "article_events", ["article_id"])
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("origin_article_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
    )
    op.create_table(
        "minhash_bands",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id"), nullable=False),
    )
    op.create_index("ix_minhash_bands_key", "minhash_bands", ["key"])
    op.create_index("ix_minhash_bands_article_id", "minhash_bands", ["article_id"])
    op.create_table(
        "listing_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("category_id", sa.String(20), nullable=False),
        sa.Column("completed_at", AwareDateTime(), nullable=True),
        sa.Column("last_walk_at", AwareDateTime(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("open_page", sa.Integer(), nullable=True),
        sa.UniqueConstraint("site_id", "category_id", name="uq_listing_state"),
    )

    # what the first release knew: each article's URL, and that it was checked when last fetched
    op.execute("UPDATE articles SET checked_at = fetched_at")
    op.execute(
        "INSERT INTO article_urls (article_id, site_id, url, first_seen_at, last_seen_at, via) "
        "SELECT id, site_id, url, first_seen_at, last_seen_at, 'fetched' FROM articles"
    )
    op.execute(
        "INSERT INTO article_events (article_id, at, kind, url) "
        "SELECT id, first_seen_at, 'first-seen', url FROM articles"
    )
    # clusters are not back-filled here: `kpu-archive clusters --backfill` indexes old articles


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
