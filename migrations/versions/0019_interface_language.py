"""interface_language: users.ui_language and check_requests.ui_language

A person's interface language follows them to every device and writes their notifications; a reader's "answered"
e-mail is written in the language they asked in. NULL: the browser's choice, else the newsroom's LANGUAGE.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 20:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("ui_language", sa.String(length=16), nullable=True))
    op.add_column("check_requests", sa.Column("ui_language", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("check_requests", schema=None) as batch_op:
        batch_op.drop_column("ui_language")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("ui_language")
