"""verdict workflow: who saved last, corrections, comments, one revision number per verdict

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 12:50:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("verdicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_verdicts_updated_by_id_users"), "users", ["updated_by_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("verdict_revisions", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_verdict_revisions_verdict_id_number", ["verdict_id", "number"])
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("verdict_id", sa.Integer(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_corrections_author_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["verdict_id"], ["verdicts.id"], name=op.f("fk_corrections_verdict_id_verdicts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
    )
    op.create_index(op.f("ix_corrections_verdict_id"), "corrections", ["verdict_id"], unique=False)
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_comments_author_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_comments_claim_id_claims"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index(op.f("ix_comments_claim_id"), "comments", ["claim_id"], unique=False)
    # The dashboard's lists: my assignments, waiting for review, recently published.
    op.create_index("ix_verdicts_assignee_id_status", "verdicts", ["assignee_id", "status"], unique=False)
    op.create_index("ix_appearances_claim_id_created_at", "appearances", ["claim_id", "created_at"], unique=False)


def downgrade():
    op.drop_index("ix_appearances_claim_id_created_at", table_name="appearances")
    op.drop_index("ix_verdicts_assignee_id_status", table_name="verdicts")
    op.drop_index(op.f("ix_comments_claim_id"), table_name="comments")
    op.drop_table("comments")
    op.drop_index(op.f("ix_corrections_verdict_id"), table_name="corrections")
    op.drop_table("corrections")
    with op.batch_alter_table("verdict_revisions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_verdict_revisions_verdict_id_number", type_="unique")
    with op.batch_alter_table("verdicts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_verdicts_updated_by_id_users"), type_="foreignkey")
        batch_op.drop_column("updated_by_id")
