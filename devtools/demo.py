"""Deterministic demo enterprises shared by every service's ``make run`` seed data.

The same USCCs appear in the registry, inspection and credit demo data, so the flows between
services can be followed by hand.
"""

import random
from dataclasses import dataclass

from shared import uscc

CITIES = {
    "330100": "杭州",
    "330200": "宁波",
    "330300": "温州",
    "330400": "嘉兴",
    "330500": "湖州",
    "330600": "绍兴",
    "330700": "金华",
    "330800": "衢州",
}
WORDS = [
    "安源",
    "恒泰",
    "华达",
    "金鼎",
    "瑞丰",
    "新亚",
    "永信",
    "正和",
    "中天",
    "宏远",
    "德力",
    "光明",
    "天成",
    "博远",
    "海星",
    "嘉禾",
    "鑫源",
    "长青",
    "东方",
    "万隆",
]
INDUSTRIES = [
    (
        "electrical",
        "电器",
        "household_appliances",
        ["Electric kettle", "Rice cooker", "Hair dryer"],
    ),
    ("toys", "玩具", "toys", ["Plush toy", "Ride-on car", "Building blocks"]),
    ("food", "食品", "packaged_food", ["Soy sauce", "Green tea", "Rice wine"]),
    ("textiles", "纺织", "children_clothing", ["Children's jacket", "School uniform"]),
    ("building", "建材", "building_materials", ["Ceramic tile", "Steel rebar", "Cement"]),
    ("auto_parts", "汽配", "auto_parts", ["Brake pad", "Safety glass", "Tyre"]),
]


@dataclass(frozen=True)
class DemoEnterprise:
    uscc: str
    name: str
    region_code: str
    industry: str
    product_category: str
    products: tuple[str, ...]


def demo_enterprises(count: int = 400, seed: int = 20261122) -> list[DemoEnterprise]:
    rng = random.Random(seed)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    result: list[DemoEnterprise] = []
    seen: set[str] = set()
    while len(result) < count:
        region = rng.choice(list(CITIES))
        org = "".join(rng.choice(alphabet) for _ in range(8))
        code = uscc.make("91" + region + org)
        if code in seen:
            continue
        seen.add(code)
        industry, label, category, products = rng.choice(INDUSTRIES)
        name = f"{CITIES[region]}{rng.choice(WORDS)}{label}有限公司"
        if any(e.name == name for e in result):
            name = f"{CITIES[region]}{rng.choice(WORDS)}{rng.choice(WORDS)}{label}有限公司"
        result.append(DemoEnterprise(code, name, region, industry, category, tuple(products)))
    return result
