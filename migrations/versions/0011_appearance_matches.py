"""appearance_matches: the earlier claims found for each appearance at ingest, so the review screen only reads

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-03 13:45:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "appearance_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appearance_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column("shared", sa.JSON(), nullable=False),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["appearance_id"], ["appearances.id"],
                                name=op.f("fk_appearance_matches_appearance_id_appearances"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"],
                                name=op.f("fk_appearance_matches_claim_id_claims"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appearance_matches")),
    )
    op.create_index(op.f("ix_appearance_matches_appearance_id"), "appearance_matches", ["appearance_id"])
    op.create_index(op.f("ix_appearance_matches_claim_id"), "appearance_matches", ["claim_id"])


def downgrade():
    op.drop_index(op.f("ix_appearance_matches_claim_id"), table_name="appearance_matches")
    op.drop_index(op.f("ix_appearance_matches_appearance_id"), table_name="appearance_matches")
    op.drop_table("appearance_matches")
