"""rule versions on decisions, early removal, review flags for data made under old behaviour

Existing rows are not changed, only flagged (``review_flag``) where the old behaviour may have
decided differently from the rules now in force: listings (grounds, term and deciding
authority were never checked; repair could remove them), warnings that were published,
records created automatically from other services' events, inspection records whose sector
was not taken from the product category.

Revision ID: i12_0001
Revises: i16_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i12_0001"
down_revision: str | None = 'i16_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRE = "made before rule version CN-2021.1: "
FLAGS = [
    (
        "listing",
        PRE + "listing grounds, term bounds and deciding authority were not checked",
        "status <> 'removed'",
    ),
    (
        "listing",
        PRE + "removed by credit repair, which is not open while listed (Order 44 art. 20)",
        "removal_reason = 'repaired'",
    ),
    (
        "credit_record",
        PRE + "warning published although the publication rules exclude warnings",
        "record_class = 'penalty_warning' AND disclosed = true",
    ),
    (
        "credit_record",
        PRE + "created automatically from another service's event, never confirmed by a "
        "regulator; inspection records: sector not taken from the product category",
        "source_event_id IS NOT NULL",
    ),
]


def upgrade() -> None:
    with op.batch_alter_table("credit_record") as batch:
        batch.add_column(sa.Column("rule_version", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("review_flag", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("under_dispute", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("listing") as batch:
        batch.add_column(sa.Column("rule_version", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("proposer_level", sa.String(20), nullable=True))
        batch.add_column(sa.Column("proposer_region", sa.String(6), nullable=True))
        batch.add_column(sa.Column("early_removal", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("review_flag", sa.Text(), nullable=True))
    with op.batch_alter_table("repair_application") as batch:
        batch.add_column(sa.Column("rule_version", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("decision_due", sa.Date(), nullable=True))
    op.create_table(
        "record_proposal",
        sa.Column("id", sa.String(24), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_record_proposal"),
        sa.Column("source_event_id", sa.String(64), nullable=False),
        sa.Column("source_service", sa.String(40), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("record_class", sa.String(40), nullable=False),
        sa.Column("command", sa.JSON(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("rule_version", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("record_id", sa.String(24), nullable=True),
        sa.UniqueConstraint("source_event_id", name="uq_record_proposal_source_event_id"),
    )
    op.create_index("ix_record_proposal_uscc", "record_proposal", ["uscc"])
    op.create_table(
        "record_dispute",
        sa.Column("id", sa.String(24), nullable=False),
        sa.Column("record_id", sa.String(24), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("filed_by", sa.String(200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("rule_version", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("corrections", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_record_dispute"),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name="fk_record_dispute_record_id_credit_record"
        ),
    )
    op.create_index("ix_record_dispute_record_id", "record_dispute", ["record_id"])
    op.create_index("ix_record_dispute_uscc", "record_dispute", ["uscc"])
    op.create_index("ix_record_proposal_status_due", "record_proposal", ["status", "due_on"])
    for table, flag, where in FLAGS:
        op.execute(
            sa.text(
                f"UPDATE {table} SET review_flag = COALESCE(review_flag || '; ', '') || :flag "
                f"WHERE rule_version = '' AND {where}"
            ).bindparams(flag=flag)
        )


def downgrade() -> None:
    op.drop_table("record_dispute")
    op.drop_table("record_proposal")
    with op.batch_alter_table("repair_application") as batch:
        batch.drop_column("decision_due")
        batch.drop_column("rule_version")
    with op.batch_alter_table("listing") as batch:
        for name in ("review_flag", "early_removal", "proposer_region", "proposer_level"):
            batch.drop_column(name)
        batch.drop_column("rule_version")
    with op.batch_alter_table("credit_record") as batch:
        batch.drop_column("under_dispute")
        batch.drop_column("review_flag")
        batch.drop_column("rule_version")
