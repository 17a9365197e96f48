"""review_provenance: an imported verdict keeps who checked it (publisher, author, dates, rating as given)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:45:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_provenance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("verdict_id", sa.Integer(), nullable=False),
        sa.Column("publisher_name", sa.String(length=200), nullable=True),
        sa.Column("publisher_url", sa.Text(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=True),
        sa.Column("author_type", sa.String(length=64), nullable=True),
        sa.Column("author_url", sa.Text(), nullable=True),
        sa.Column("date_published", sa.String(length=64), nullable=True),
        sa.Column("date_modified", sa.String(length=64), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("headline", sa.Text(), nullable=True),
        sa.Column("review_body", sa.Text(), nullable=True),
        sa.Column("in_language", sa.String(length=35), nullable=True),
        sa.Column("rating_value", sa.String(length=32), nullable=True),
        sa.Column("best_rating", sa.String(length=32), nullable=True),
        sa.Column("worst_rating", sa.String(length=32), nullable=True),
        sa.Column("item_type", sa.String(length=64), nullable=True),
        sa.Column("item_author_name", sa.String(length=200), nullable=True),
        sa.Column("item_author_type", sa.String(length=64), nullable=True),
        sa.Column("item_date", sa.String(length=64), nullable=True),
        sa.Column("appearance_urls", sa.JSON(), nullable=True),
        sa.Column("first_appearance_url", sa.Text(), nullable=True),
        sa.Column("rating_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["verdict_id"], ["verdicts.id"], name=op.f("fk_review_provenance_verdict_id_verdicts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_provenance")),
        sa.UniqueConstraint("verdict_id", name=op.f("uq_review_provenance_verdict_id")),
    )


def downgrade():
    op.drop_table("review_provenance")
