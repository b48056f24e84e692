"""Reason codes for lifecycle transitions, per action: data, not scattered string checks."""

from enum import StrEnum


class Action(StrEnum):
    ISSUE = "issue"
    SUSPEND = "suspend"
    RESTORE = "restore"
    REVOKE = "revoke"
    CANCEL = "cancel"
    EXPIRE = "expire"
    REPLACE = "replace"


REASON_CODES: dict[Action, dict[str, str]] = {
    Action.ISSUE: {"initial_certification": "Initial certification decision"},
    Action.SUSPEND: {
        "surveillance_nonconformity": "Nonconformity found in surveillance audit",
        "surveillance_overdue": "Surveillance audit not carried out in time",
        "misuse_of_mark": "Misuse of the certificate or certification mark",
        "product_change_unapproved": "Product changed without approval",
        "holder_request": "Suspension requested by the holder",
        "regulator_order": "Ordered by a market regulator",
        "joint_punishment": "Holder on the dishonesty list (joint punishment measure)",
    },
    Action.RESTORE: {
        "corrective_action_verified": "Corrective actions verified",
        "surveillance_completed": "Overdue surveillance completed",
        "joint_punishment_lifted": "Holder removed from the dishonesty list",
    },
    Action.REVOKE: {
        "forgery": "Forged or altered certification documents",
        "fraud": "Certificate obtained by fraud or bribery",
        "serious_nonconformity": "Serious nonconformity of product or system",
        "suspension_not_remedied": "Causes of suspension not remedied in time",
        "refused_surveillance": "Holder refused surveillance",
        "product_safety_incident": "Product caused a serious safety incident",
        "regulator_order": "Ordered by a market regulator",
    },
    Action.CANCEL: {
        "holder_surrender": "Surrendered by the holder",
        "business_closed": "Holder ceased business",
        "product_discontinued": "Product no longer produced",
        "issuing_body_withdrawn": "Issuing body's approval withdrawn; not transferred in time",
    },
    Action.EXPIRE: {"validity_ended": "Validity period ended"},
    Action.REPLACE: {
        "renewal": "Renewed by recertification",
        "scope_change": "Reissued for a changed scope",
        "holder_details_change": "Reissued for changed holder details",
        "transfer_to_other_body": "Transferred to another approved certification body",
    },
}

# Revocations that say the holder was dishonest: they become credit records (joint punishment).
REVOKED_FOR_CAUSE = frozenset({"forgery", "fraud", "serious_nonconformity"})

ACCREDITATION_REASONS: dict[str, str] = {
    "initial_approval": "Approved by the certification and accreditation administration",
    "surveillance_finding": "Finding in the regulator's supervision of the body",
    "false_certification": "Issued false certificates",
    "qualification_lapsed": "Qualification conditions no longer met",
    "corrective_action_verified": "Corrective actions verified",
    "voluntary_exit": "Body ceased certification activity",
    "lifetime_ban": "Permanent exit ordered (lifetime ban)",
}
