"""public_state: one row counting changes to what the public sees (the validators of public pages)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:40:00
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "public_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_state")),
    )
    op.bulk_insert(table, [{"id": 1, "generation": 1, "changed_at": datetime.now(timezone.utc)}])


def downgrade():
    op.drop_table("public_state")
