"""Examples in the registry's OpenAPI document, by operation id (``shared.web.openapi``).

One story runs through them: CQC (``CNCA-R-2002-001``) certifies an electric kettle of a
Hangzhou manufacturer under CCC, a surveillance audit suspends the certificate, the public
verifies it. Codes are real shapes (USCCs with their check characters, reason codes from
``services.registry.domain.reasons``); ``tests/shared/test_openapi_product.py`` validates every
example against its operation's schema.
"""

from shared.web.openapi import Example, OperationExamples

HOLDER_USCC = "91330106MA2H3K7Q4Q"
HOLDER_NAME = "杭州恒泰电器有限公司"
BODY_ID = "CNCA-R-2002-001"
BODY_USCC = "121100002002001A5Y"
NUMBER = "2024010701654321"  # CCC: year, body, product sub-category, serial

_CERTIFICATE_IN: dict[str, object] = {
    "number": NUMBER,
    "scheme": "CCC",
    "scope": "Design, production and sale of electric kettles (rated power up to 2200 W)",
    "product_name": "Electric kettle",
    "product_model": "HT-1720",
    "holder_uscc": HOLDER_USCC,
    "holder_name": HOLDER_NAME,
    "issue_date": "2024-03-18",
    "expiry_date": "2029-03-17",
    "signer_name": "张伟",
    "signer_position": "Certification decision maker",
    "signer_registration_no": "CCAA-2019-001000",
}

_PUBLIC_CERTIFICATE: dict[str, object] = {
    "number": NUMBER,
    "status": "suspended",
    "status_reason_code": "surveillance_nonconformity",
    "status_changed_at": "2026-06-02T08:15:00Z",
    "scheme": {
        "code": "CCC",
        "name": "China Compulsory Certification",
        "name_zh": "中国强制性产品认证",
        "compulsory": True,
    },
    "scope": _CERTIFICATE_IN["scope"],
    "product_name": "Electric kettle",
    "product_model": "HT-1720",
    "holder": {"uscc": HOLDER_USCC, "name": HOLDER_NAME},
    "issue_date": "2024-03-18",
    "expiry_date": "2029-03-17",
    "signer_name": "张伟",
    "signer_registration_no": "CCAA-2019-001000",
    "body": {
        "id": BODY_ID,
        "name": "中国质量认证中心",
        "accreditation_status": "active",
        "accreditation_changed_at": None,
    },
    "replaces_number": None,
    "replaced_by_number": None,
    "joint_punishment": [],
}

_ISSUED: dict[str, object] = {
    **_PUBLIC_CERTIFICATE,
    "status": "valid",
    "status_reason_code": "initial_certification",
    "status_changed_at": "2024-03-18T02:30:00Z",
    "signer_position": "Certification decision maker",
    "recorded_at": "2024-03-18T02:30:00Z",
    "history": [
        {
            "action": "issue",
            "from_status": None,
            "to_status": "valid",
            "reason_code": "initial_certification",
            "reason": "",
            "actor": "CNCA-R-2002-001-officer",
            "occurred_at": "2024-03-18T02:30:00Z",
        }
    ],
}

_NOT_FOUND = {
    "type": "https://quality-platform.example/problems/certificate-not-found",
    "title": "Not found",
    "status": 404,
    "code": "certificate_not_found",
    "detail": "no certificate numbered 2024010701999999",
    "request_id": "0b7c3e2f9d8a4c61a5e4f0d2c9b8a712",
}

EXAMPLES: dict[str, OperationExamples] = {
    "public_verification_verify_one": OperationExamples(
        parameters={"number": NUMBER},
        responses={
            "200": {"suspended": Example("A suspended CCC certificate", _PUBLIC_CERTIFICATE)},
            "404": {"unknown": Example("No such certificate (possibly forged)", _NOT_FOUND)},
        },
    ),
    "public_verification_verify_bulk": OperationExamples(
        request={
            "mixed": Example(
                "One real number typed in full-width characters, one unknown",
                {"numbers": ["２０２４０１０７０１６５４３２１", "2024010701999999"]},
            )
        },
        responses={
            "200": {
                "mixed": Example(
                    "One found, one not",
                    {
                        "items": [
                            {
                                "number": NUMBER,
                                "found": True,
                                "status": "suspended",
                                "certificate": _PUBLIC_CERTIFICATE,
                            },
                            {"number": "2024010701999999", "found": False},
                        ]
                    },
                )
            }
        },
    ),
    "certificates_issue": OperationExamples(
        request={"ccc": Example("A CCC certificate for an electric kettle", _CERTIFICATE_IN)},
        responses={"201": {"ccc": Example("Issued, with its history", _ISSUED)}},
    ),
    "certificates_suspend_certificate": OperationExamples(
        parameters={"number": NUMBER},
        request={
            "surveillance": Example(
                "Nonconformity found in a surveillance audit",
                {
                    "reason_code": "surveillance_nonconformity",
                    "reason": "Earth continuity test failed on 3 of 5 samples (GB 4706.1-2005 27.5)",
                },
            )
        },
    ),
    "certificates_revoke_certificate": OperationExamples(
        parameters={"number": NUMBER},
        request={
            "not_remedied": Example(
                "Causes of suspension not remedied within six months",
                {
                    "reason_code": "suspension_not_remedied",
                    "reason": "No corrective action evidence received by 2026-12-02",
                },
            )
        },
    ),
    "certification_bodies_register_body": OperationExamples(
        request={
            "cqc": Example(
                "An approved certification body",
                {
                    "id": BODY_ID,
                    "name": "中国质量认证中心",
                    "uscc": BODY_USCC,
                    "region_code": "110000",
                    "approved_schemes": ["CCC", "ISO9001", "ISO14001"],
                },
            )
        },
        responses={
            "201": {
                "cqc": Example(
                    "Registered and active",
                    {
                        "id": BODY_ID,
                        "name": "中国质量认证中心",
                        "uscc": BODY_USCC,
                        "region_code": "110000",
                        "approved_schemes": ["CCC", "ISO9001", "ISO14001"],
                        "accreditation_status": "active",
                        "accreditation_reason_code": "initial_approval",
                        "accreditation_changed_at": "2026-01-05T01:00:00Z",
                    },
                )
            }
        },
    ),
}
