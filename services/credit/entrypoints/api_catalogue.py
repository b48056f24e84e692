"""Catalogue routes: record classes, sectors, measures, risk rules and categories (anyone)."""

from typing import Any

from fastapi import APIRouter

from services.credit.domain import catalogue as cat
from services.credit.domain.grading import CURRENT_RULES, GRADE_LABELS, RULE_TABLES
from services.credit.entrypoints import schemas as s
from services.credit.service_layer import views

catalogue = APIRouter(tags=["catalogues"])


@catalogue.get(
    "/catalogue/record-classes",
    response_model=list[s.RecordClassOut],
    summary="Record classes and publication periods",
)
async def record_classes() -> list[dict[str, Any]]:
    """Anyone. Each class's publication period (the period runs from the decision date), its
    allowed severities and whether credit repair applies."""
    return [
        {
            "code": c.code,
            "kind": c.kind.value,
            "name": c.name,
            "name_zh": c.name_zh,
            "publication_period": {
                "length": c.publication.length,
                "unit": c.publication.unit,
                "counting": c.publication.counting,
            },
            "severities": [v.value for v in c.severities],
            "repairable": c.repairable,
        }
        for c in cat.RECORD_CLASSES.values()
    ]


@catalogue.get(
    "/catalogue/sectors",
    response_model=dict[str, s.PeriodOut],
    summary="Sectors and minimum publication before repair",
)
async def sectors() -> dict[str, dict[str, Any]]:
    """Anyone. How long a record must have been published before repair may be applied for."""
    return {
        code: {"length": p.length, "unit": p.unit, "counting": p.counting}
        for code, p in cat.SECTORS.items()
    }


@catalogue.get("/catalogue/measures", response_model=list[s.MeasureOut], summary="Measures")
async def measures() -> list[dict]:
    """Anyone. Joint-punishment measures with legal basis and the enforcing service."""
    return [views.measure_view(code) for code in cat.MEASURES]


@catalogue.get(
    "/catalogue/risk-rules", response_model=s.RiskRulesOut, summary="Risk-grade rule tables"
)
async def risk_rules() -> dict[str, Any]:
    """Anyone. Every rule-table version with its rules; grades name the version used."""
    return {
        "current": CURRENT_RULES.version,
        "grades": {g.value: label for g, label in GRADE_LABELS.items()},
        "tables": [
            {
                "version": t.version,
                "summary": t.summary,
                "points": {k.value: v for k, v in t.points.items()},
                "listed_grade": t.listed_grade.value,
                "thresholds": [{"grade": g.value, "min_score": m} for g, m in t.thresholds],
                "default": t.default.value,
            }
            for t in RULE_TABLES.values()
        ],
    }


@catalogue.get("/catalogue/categories", summary="Categories of credit subjects")
async def categories() -> list[str]:
    """Anyone."""
    return [c.value for c in cat.Category]
