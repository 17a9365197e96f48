"""verdicts.pending_correction: an editor's correction to a published verdict, waiting for a reviewer

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("verdicts") as batch:
        batch.add_column(sa.Column("pending_correction", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("verdicts") as batch:
        batch.drop_column("pending_correction")
