"""The catalogue of certification schemes a certificate can be issued under.

Product schemes certify a product (name and specification/model are required); management
system and service schemes certify an organisation's scope of activity.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scheme:
    code: str
    name: str
    name_zh: str
    kind: str  # "product" | "management_system" | "service"
    compulsory: bool
    max_validity_years: int

    @property
    def is_product_scheme(self) -> bool:
        return self.kind == "product"


_SCHEMES = [
    Scheme("CCC", "China Compulsory Certification", "中国强制性产品认证", "product", True, 5),
    Scheme(
        "ISO9001",
        "Quality management system (ISO 9001)",
        "质量管理体系认证",
        "management_system",
        False,
        3,
    ),
    Scheme(
        "ISO14001",
        "Environmental management system (ISO 14001)",
        "环境管理体系认证",
        "management_system",
        False,
        3,
    ),
    Scheme(
        "ISO45001",
        "Occupational health and safety (ISO 45001)",
        "职业健康安全管理体系认证",
        "management_system",
        False,
        3,
    ),
    Scheme(
        "ISO27001",
        "Information security management (ISO/IEC 27001)",
        "信息安全管理体系认证",
        "management_system",
        False,
        3,
    ),
    Scheme(
        "ISO20000",
        "IT service management (ISO/IEC 20000-1)",
        "信息技术服务管理体系认证",
        "management_system",
        False,
        3,
    ),
    Scheme(
        "ISO50001",
        "Energy management system (ISO 50001)",
        "能源管理体系认证",
        "management_system",
        False,
        3,
    ),
    Scheme(
        "HACCP",
        "Hazard analysis and critical control point",
        "危害分析与关键控制点体系认证",
        "management_system",
        False,
        3,
    ),
    Scheme(
        "ISO22000",
        "Food safety management (ISO 22000)",
        "食品安全管理体系认证",
        "management_system",
        False,
        3,
    ),
    Scheme("GAP", "Good agricultural practice", "良好农业规范认证", "product", False, 1),
    Scheme("ORGANIC", "Organic product", "有机产品认证", "product", False, 1),
    Scheme("ENERGY_SAVING", "Energy-saving product", "节能产品认证", "product", False, 5),
    Scheme("LOW_CARBON", "Low-carbon product", "低碳产品认证", "product", False, 5),
    Scheme("GREEN_PRODUCT", "Green product", "绿色产品认证", "product", False, 5),
    Scheme(
        "CQC_VOLUNTARY",
        "Voluntary product certification (CQC mark)",
        "自愿性产品认证",
        "product",
        False,
        5,
    ),
    Scheme(
        "SERVICE", "Service certification (after-sales, commerce)", "服务认证", "service", False, 3
    ),
]

CATALOGUE: dict[str, Scheme] = {s.code: s for s in _SCHEMES}
