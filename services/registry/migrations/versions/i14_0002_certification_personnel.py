"""certification personnel, misconduct findings, review flags (issue 14)

Revision ID: i14_0002
Revises: i14_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "i14_0002"
down_revision: str | None = "i14_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "certification_person",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("registration_no", sa.String(length=64), nullable=False),
        sa.Column("body_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("qualifications", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("banned_until", sa.Date(), nullable=True),
        sa.Column("ban_finding_id", sa.Integer(), nullable=True),
        sa.Column("created_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["certification_body.id"],
            name=op.f("fk_certification_person_body_id_certification_body"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_person")),
        sa.UniqueConstraint(
            "registration_no", name=op.f("uq_certification_person_registration_no")
        ),
    )
    op.create_index(op.f("ix_certification_person_body_id"), "certification_person", ["body_id"])
    op.create_table(
        "person_finding",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("finding_code", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("decision_number", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("objection_deadline", sa.Date(), nullable=False),
        sa.Column("objection", sa.String(), nullable=True),
        sa.Column("proposed_by", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", shared.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["certification_person.id"],
            name=op.f("fk_person_finding_person_id_certification_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_finding")),
    )
    op.create_index(op.f("ix_person_finding_person_id"), "person_finding", ["person_id"])
    op.create_table(
        "certificate_review_flag",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("body_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["certification_person.id"],
            name=op.f("fk_certificate_review_flag_person_id_certification_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_review_flag")),
    )
    op.create_index(
        "uq_review_flag_number_person",
        "certificate_review_flag",
        ["number", "person_id"],
        unique=True,
    )
    op.create_index(
        op.f("ix_certificate_review_flag_body_id"), "certificate_review_flag", ["body_id"]
    )


def downgrade() -> None:
    op.drop_table("certificate_review_flag")
    op.drop_table("person_finding")
    op.drop_table("certification_person")
