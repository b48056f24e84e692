"""Examples in the inspection service's OpenAPI document, by operation id (``shared.web.openapi``).

One story runs through them: Zhejiang AMR imports its roster of producers, plans the 2026
household-appliance spot check, freezes the snapshot, draws, and an inspector records a failed
sample. Codes are real shapes (USCCs with their check characters, GB/T 2260 region codes, the
draw algorithm of ``services.inspection.domain.draw``); ``tests/shared/test_openapi_product.py``
validates every example against its operation's schema. Operations whose responses are still
untyped ``dict`` show request examples only, so typing them cannot break an example.
"""

from shared.web.openapi import Example, OperationExamples

PLAN_ID = "6f1c2a9e-3b7d-4e51-9a08-2c4d7e8f1b36"
SNAPSHOT_ID = "b2e47d10-8c5a-4f3e-a1d9-7e60c3b2f854"

_UNITS_CSV = (
    "enterprise_uscc,enterprise_name,product_name,model,industry,product_category,region_code,"
    "risk_class\n"
    "91330106MA2H3K7Q4Q,杭州恒泰电器有限公司,Electric kettle,HT-1720,electrical,"
    "household_appliances,330106,B\n"
    "91330402MA29BQ2TXY,嘉兴瑞丰电器有限公司,Rice cooker,RF-50A,electrical,"
    "household_appliances,330402,C\n"
)

_SNAPSHOT: dict[str, object] = {
    "id": SNAPSHOT_ID,
    "plan_id": PLAN_ID,
    "status": "committed",
    "algorithm": "es-shake256-v2",
    "policy_version": 3,
    "frozen_on": "2026-04-01",
    "snapshot_hash": "9c0e5b1f7a3d2e84c6b9f0a1d3e5c7b92f4a6d8e0c1b3a5f7e9d2c4b6a8f0e1d",
    "seed_commitment": "4d7a9c1e3f5b7d9a0c2e4f6b8d0a2c4e6f8b0d2a4c6e8f0b2d4a6c8e0f2b4d6a",
    "unit_count": 1842,
    "excluded_count": 57,
    "created_at": "2026-04-01T02:00:00Z",
    "draw_id": None,
    "document_url": f"/public/snapshots/{SNAPSHOT_ID}/document",
    "exclusions_url": f"/public/snapshots/{SNAPSHOT_ID}/exclusions",
    "roster_version": 12,
}

EXAMPLES: dict[str, OperationExamples] = {
    "rosters_import_units": OperationExamples(
        request={"two_producers": Example("Two producers of household appliances", _UNITS_CSV)},
        responses={
            "200": {
                "two_producers": Example(
                    "One new, one updated", {"rows": 2, "created": 1, "updated": 1}
                )
            }
        },
    ),
    "plans_and_draws_create_plan": OperationExamples(
        request={
            "appliances": Example(
                "Provincial spot check of household appliances, risk-weighted",
                {
                    "name": "2026年浙江省家用电器产品质量监督抽查",
                    "check_type": "supervisory_spot_check",
                    "scope": {
                        "industries": ["electrical"],
                        "product_categories": ["household_appliances"],
                        "regions": ["330100", "330400"],
                        "certified_schemes": ["CCC"],
                    },
                    "sampling": {
                        "weights": {"A": 1, "B": 2, "C": 4, "D": 8},
                        "dishonest_multiplier": 2,
                        "strata": [
                            {"risk_classes": ["C", "D"], "ratio": "0.2"},
                            {"risk_classes": ["A", "B"], "size": 40},
                        ],
                    },
                    "team_size": 2,
                    "cross_region_teams": True,
                    "inspector_cooldown_days": 365,
                    "period_start": "2026-04-01",
                    "period_end": "2026-09-30",
                    "joint_departments": [],
                },
            )
        },
    ),
    "plans_and_draws_commit_snapshot": OperationExamples(
        parameters={"plan_id": PLAN_ID},
        responses={"201": {"committed": Example("Frozen and committed", _SNAPSHOT)}},
    ),
    "public_draws_and_results_get_snapshot": OperationExamples(
        parameters={"snapshot_id": SNAPSHOT_ID},
        responses={
            "200": {
                "committed": Example(
                    "Committed, not drawn yet",
                    {**_SNAPSHOT, "document_public_from": "2026-04-01"},
                )
            }
        },
    ),
    "plans_and_draws_draw": OperationExamples(
        parameters={"snapshot_id": SNAPSHOT_ID},
        request={
            "first": Example("The first draw of a snapshot", {}),
            "redraw": Example(
                "A redraw, with its public reason",
                {"redraw_reason": "Seed contribution of 杭州市局 revealed after the deadline"},
            ),
        },
    ),
    "tasks_and_results_record_result": OperationExamples(
        parameters={"task_id": "0e8d5c3a-71f2-4b96-8a4d-5f1e2c9b7a03"},
        request={
            "fail": Example(
                "A sample failed one test item",
                {
                    "outcome": "fail",
                    "sampling_date": "2026-05-12",
                    "failed_items": [
                        {
                            "item": "Earth continuity (GB 4706.1-2005 clause 27.5)",
                            "requirement": "≤ 0.1 Ω",
                            "measured": "0.32 Ω",
                        }
                    ],
                },
            )
        },
    ),
}
