"""appearances.stance: repeats / disputes / mentions; links made before it existed counted as repeats

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("appearances") as batch:
        batch.add_column(sa.Column("stance", sa.String(length=16), nullable=True))
    # Every link so far was shown publicly as the claim said again: keep that meaning, editors can change it.
    op.execute("UPDATE appearances SET stance = 'repeats' WHERE status = 'linked'")


def downgrade():
    with op.batch_alter_table("appearances") as batch:
        batch.drop_column("stance")
