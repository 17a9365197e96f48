"""monitoring: monitored sources (feeds, sitemaps, URL lists), the items they listed, and alerts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 14:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "monitored_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.Enum("feed", "sitemap", "urls", name="feedkind", native_enum=False, length=16), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("urls", sa.Text(), nullable=True),
        sa.Column("publisher", sa.String(length=200), nullable=True),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("last_fetch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("items_seen", sa.Integer(), nullable=False),
        sa.Column("articles_ingested", sa.Integer(), nullable=False),
        sa.Column("item_errors", sa.Integer(), nullable=False),
        sa.Column("alerts_raised", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_monitored_feeds_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitored_feeds")),
    )
    op.create_index(op.f("ix_monitored_feeds_next_run_at"), "monitored_feeds", ["next_run_at"])
    op.create_table(
        "feed_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["feed_id"], ["monitored_feeds.id"], name=op.f("fk_feed_items_feed_id_monitored_feeds"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], name=op.f("fk_feed_items_article_id_articles"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_items")),
        sa.UniqueConstraint("feed_id", "url", name=op.f("uq_feed_items_feed_id")),
    )
    op.create_index(op.f("ix_feed_items_article_id"), "feed_items", ["article_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appearance_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("status", sa.Enum("open", "confirmed", "dismissed", name="alertstatus", native_enum=False,
                                    length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["appearance_id"], ["appearances.id"], name=op.f("fk_alerts_appearance_id_appearances"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_alerts_claim_id_claims"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["feed_id"], ["monitored_feeds.id"], name=op.f("fk_alerts_feed_id_monitored_feeds"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_alerts_decided_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("appearance_id", "claim_id", name=op.f("uq_alerts_appearance_id")),
    )
    op.create_index(op.f("ix_alerts_claim_id"), "alerts", ["claim_id"])
    op.create_index(op.f("ix_alerts_feed_id"), "alerts", ["feed_id"])
    op.create_index(op.f("ix_alerts_status"), "alerts", ["status"])


def downgrade():
    op.drop_table("alerts")
    op.drop_table("feed_items")
    op.drop_table("monitored_feeds")
