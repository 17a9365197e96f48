"""outbox: e-mail notifications, people's addresses, off switch and webhook, alert subscriptions, alerts' digest
mark, reader tokens' nonce

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 17:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_outbox_user_id_users",
                                                          ondelete="SET NULL"), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("related_type", sa.String(length=32), nullable=True),
        sa.Column("related_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_outbox_sent_at_next_attempt_at", "outbox", ["sent_at", "next_attempt_at"])
    op.create_index("ix_outbox_related", "outbox", ["related_type", "related_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("notify", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("webhook_url", sa.String(length=2048), nullable=True))
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_alert_subscriptions_user_id_users",
                                                          ondelete="CASCADE"), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "field", "value", name="uq_alert_subscriptions_user_id"),
    )
    op.create_index("ix_alert_subscriptions_user_id", "alert_subscriptions", ["user_id"])
    with op.batch_alter_table("check_requests") as batch:
        batch.add_column(sa.Column("token_nonce", sa.String(length=64), nullable=True))
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("digested_at", sa.DateTime(timezone=True), nullable=True))
    # Alerts raised before notifications existed are not mailed to everybody on the first worker pass.
    op.execute(sa.text("UPDATE alerts SET digested_at = created_at"))


def downgrade():
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("digested_at")
    with op.batch_alter_table("check_requests") as batch:
        batch.drop_column("token_nonce")
    op.drop_index("ix_alert_subscriptions_user_id", table_name="alert_subscriptions")
    op.drop_table("alert_subscriptions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("webhook_url")
        batch.drop_column("notify")
        batch.drop_column("email")
    op.drop_index("ix_outbox_related", table_name="outbox")
    op.drop_index("ix_outbox_sent_at_next_attempt_at", table_name="outbox")
    op.drop_table("outbox")
