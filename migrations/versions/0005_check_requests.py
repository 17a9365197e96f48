"""reader requests: request groups, check requests with hashed tracking tokens, their grouping terms

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 13:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "request_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("open", "claim", "dismissed", name="requestgroupstatus", native_enum=False,
                                    length=16), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("request_count", sa.Integer(), nullable=False),
        sa.Column("first_asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wording", sa.Text(), nullable=True),
        sa.Column("wording_count", sa.Integer(), nullable=False),
        sa.Column("dismiss_reason", sa.String(length=200), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_request_groups_claim_id_claims"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_request_groups_decided_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_groups")),
    )
    op.create_index(op.f("ix_request_groups_claim_id"), "request_groups", ["claim_id"], unique=False)
    op.create_index("ix_request_groups_status_last_asked_at", "request_groups", ["status", "last_asked_at"],
                    unique=False)
    op.create_index("ix_request_groups_status_request_count", "request_groups", ["status", "request_count"],
                    unique=False)
    op.create_table(
        "check_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("wording_key", sa.String(length=40), nullable=True),
        sa.Column("search_terms", sa.Text(), nullable=True),
        sa.Column("seen_where", sa.String(length=2048), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("answered_at_once", sa.Boolean(), nullable=False),
        sa.Column("match_score", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["request_groups.id"],
                                name=op.f("fk_check_requests_group_id_request_groups"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_requests")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_check_requests_token_hash")),
    )
    op.create_index("ix_check_requests_created_at_group_id", "check_requests", ["created_at", "group_id"],
                    unique=False)
    op.create_index("ix_check_requests_group_id_created_at", "check_requests", ["group_id", "created_at"],
                    unique=False)
    op.create_index("ix_check_requests_group_id_wording_key", "check_requests", ["group_id", "wording_key"],
                    unique=False)
    op.create_table(
        "request_terms",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["check_requests.id"],
                                name=op.f("fk_request_terms_request_id_check_requests"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("term", "request_id", name=op.f("pk_request_terms")),
    )
    op.create_index(op.f("ix_request_terms_request_id"), "request_terms", ["request_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_request_terms_request_id"), table_name="request_terms")
    op.drop_table("request_terms")
    op.drop_index("ix_check_requests_group_id_wording_key", table_name="check_requests")
    op.drop_index("ix_check_requests_group_id_created_at", table_name="check_requests")
    op.drop_index("ix_check_requests_created_at_group_id", table_name="check_requests")
    op.drop_table("check_requests")
    op.drop_index("ix_request_groups_status_request_count", table_name="request_groups")
    op.drop_index("ix_request_groups_status_last_asked_at", table_name="request_groups")
    op.drop_index(op.f("ix_request_groups_claim_id"), table_name="request_groups")
    op.drop_table("request_groups")
