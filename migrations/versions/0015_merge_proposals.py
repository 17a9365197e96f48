"""merge_proposals: an editor's merge of a published check waits for a second person

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "merge_proposals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("claims.id", ondelete="CASCADE"), nullable=False),
        sa.Column("target_id", sa.Integer(), sa.ForeignKey("claims.id", ondelete="CASCADE"), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, server_default="waiting"),
        sa.Column("proposed_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
    )
    op.create_index("ix_merge_proposals_source_id", "merge_proposals", ["source_id"])
    op.create_index("ix_merge_proposals_target_id", "merge_proposals", ["target_id"])
    op.create_index("ix_merge_proposals_status", "merge_proposals", ["status"])


def downgrade():
    op.drop_index("ix_merge_proposals_status", table_name="merge_proposals")
    op.drop_index("ix_merge_proposals_target_id", table_name="merge_proposals")
    op.drop_index("ix_merge_proposals_source_id", table_name="merge_proposals")
    op.drop_table("merge_proposals")
