"""claims.version and verdicts.reviewed_claim_version: an approval is of one exact version of claim and verdict

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 14:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("verdicts") as batch:
        batch.add_column(sa.Column("reviewed_claim_version", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("verdicts") as batch:
        batch.drop_column("reviewed_claim_version")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("version")
