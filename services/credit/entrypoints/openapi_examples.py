"""Examples in the credit service's OpenAPI document, by operation id (``shared.web.openapi``).

One story runs through them: a Hangzhou kettle maker fails a spot check, the county bureau
records it, the enterprise later applies for credit repair; a repeat offender is proposed for
the dishonesty list. Codes are real shapes (USCCs with their check characters, record classes
and measures from ``services.credit.domain.catalogue``, ids as ``new_id`` makes them);
``tests/shared/test_openapi_product.py`` validates every example against its operation's schema.
"""

from shared.web.openapi import Example, OperationExamples

USCC = "91330106MA2H3K7Q4Q"
NAME = "杭州恒泰电器有限公司"
LISTED_USCC = "91330110MA27Y5LMXP"
RECORD_ID = "CR-3F9A1C0D7B2E4A61"

_RECORD_IN: dict[str, object] = {
    "uscc": USCC,
    "record_class": "spot_check_failed",
    "severity": "general",
    "sector": "industrial_products",
    "title": "Electric kettles failed the 2026 provincial spot check",
    "facts": "Model HT-1720, batch 20260311: earth continuity resistance 0.32 Ω (limit 0.1 Ω).",
    "legal_basis": "《产品质量法》第四十九条",
    "decision_number": "杭西市监处罚〔2026〕118号",
    "decision_date": "2026-05-20",
    "persons": [{"role": "legal representative", "name": "陈静", "id_number": None}],
}

_RECORD_OUT: dict[str, object] = {
    "id": RECORD_ID,
    "uscc": USCC,
    "enterprise_name": NAME,
    "record_class": "spot_check_failed",
    "class_name": "Failed spot check",
    "class_name_zh": "抽查检查不合格",
    "kind": "failed_spot_check",
    "severity": "general",
    "sector": "industrial_products",
    "title": _RECORD_IN["title"],
    "facts": _RECORD_IN["facts"],
    "legal_basis": _RECORD_IN["legal_basis"],
    "decision_number": _RECORD_IN["decision_number"],
    "decision_date": "2026-05-20",
    "source_department": "杭州市西湖区市场监督管理局",
    "publication_until": "2029-05-20",
    "persons": [{"role": "legal representative", "name": "陈静"}],
    "under_dispute": False,
    "source_service": "credit",
    "source_event_id": None,
    "disclosed": True,
    "disclosure_ended_on": None,
    "disclosure_end_reason": None,
    "repairable": True,
    "earliest_repair_application": "2027-05-20",
    "recorded_by": "xh-credit-officer",
    "recorded_at": "2026-05-20T06:40:00Z",
    "rule_version": "CN-2021.1",
    "review_flag": None,
}

EXAMPLES: dict[str, OperationExamples] = {
    "credit_files_register_enterprise": OperationExamples(
        request={
            "manufacturer": Example(
                "A manufacturer registered by its county bureau",
                {"uscc": USCC, "name": NAME, "region_code": "330106", "operator_name": "陈静"},
            )
        },
        responses={
            "201": {
                "manufacturer": Example(
                    "Registered",
                    {"uscc": USCC, "name": NAME, "category": "enterprise", "region_code": "330106"},
                )
            }
        },
    ),
    "credit_records_add_record": OperationExamples(
        request={"spot_check": Example("A failed spot check", _RECORD_IN)},
        responses={"201": {"spot_check": Example("Recorded and disclosed", _RECORD_OUT)}},
    ),
    "dishonesty_list_propose": OperationExamples(
        request={
            "repeat_offender": Example(
                "Serious violations on two records, three years",
                {
                    "uscc": LISTED_USCC,
                    "reason": "Second serious product-safety violation within three years",
                    "legal_basis": "《市场监督管理严重违法失信名单管理办法》第二条",
                    "basis_record_ids": ["CR-1B7E5D20C4A9F013", "CR-8D02A6E1F37C9B45"],
                    "measures": ["no_new_certificates", "increased_inspection_frequency"],
                    "term_years": 3,
                    "indefinite": False,
                },
            )
        },
    ),
    "credit_repair_apply_for_repair": OperationExamples(
        request={
            "corrected": Example(
                "Corrected, with evidence, after the minimum publication period",
                {
                    "record_id": RECORD_ID,
                    "commitment": "We have replaced the earth terminal supplier and will keep "
                    "every batch's type-test report for three years.",
                    "evidence": ["Re-test report ZJQI-2027-04418 (pass)", "Supplier audit 2027-04"],
                },
            )
        },
    ),
    "public_disclosure_public_profile": OperationExamples(
        parameters={"uscc": USCC},
        responses={
            "200": {
                "medium_risk": Example(
                    "One disclosed record, not on the dishonesty list",
                    {
                        "uscc": USCC,
                        "name": NAME,
                        "category": "enterprise",
                        "region_code": "330106",
                        "operator_name": None,
                        "risk_grade": {
                            "grade": "B",
                            "label": "medium risk",
                            "rule_version": "CN-2021.1",
                            "score": 20,
                            "assessed_at": "2026-05-20T06:40:01Z",
                        },
                        "dishonesty_list": {"listed": False, "listings": []},
                        "active_measures": [],
                        "records_in_disclosure": 1,
                    },
                )
            }
        },
    ),
}
