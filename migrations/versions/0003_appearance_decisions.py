"""appearance decisions: speaker kind, paragraph, quote flag, who decided and when, dismissal reason

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("appearances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("speaker_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("paragraph", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("is_quote", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("decided_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("dismiss_reason", sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_appearances_decided_by_id_users"), "users", ["decided_by_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("appearances", schema=None) as batch_op:
        batch_op.alter_column("is_quote", server_default=None)


def downgrade():
    with op.batch_alter_table("appearances", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_appearances_decided_by_id_users"), type_="foreignkey")
        for column in ("dismiss_reason", "decided_at", "decided_by_id", "is_quote", "paragraph", "speaker_kind"):
            batch_op.drop_column(column)
