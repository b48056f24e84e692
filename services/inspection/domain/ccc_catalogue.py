"""Product categories of the CCC catalogue (强制性产品认证目录), for the linked-supervision scope
"CCC-catalogue products whose producer holds no valid CCC certificate for them" (issue 14).

Keys are the roster's ``product_category`` codes. Versioned data with its source; rows need
legal review whenever SAMR/CNCA revise the catalogue.
"""

VERSION = "2026-12-03"
SOURCE = "强制性产品认证目录描述与界定表 (SAMR/CNCA announcement 2023 No. 36), review per revision"

CCC_CATEGORIES: dict[str, str] = {
    "household_appliances": "家用和类似用途设备 (catalogue part 7)",
    "toys": "玩具 (catalogue part 16)",
    "electric_tools": "电动工具 (part 4)",
    "lighting": "照明电器 (part 9)",
    "audio_video": "音视频设备 (part 6)",
    "information_technology": "信息技术设备 (part 8)",
    "wires_and_cables": "电线电缆 (part 1)",
    "low_voltage_appliances": "低压电器 (part 3)",
    "motor_vehicle_parts": "机动车辆及安全附件 (part 11: tyres, safety glass, ...)",
    "child_safety_seats": "儿童用品: 儿童乘用车安全座椅 (part 13)",
    "fire_safety": "消防产品 (part 18)",
    "safety_glass": "安全玻璃 (part 14)",
}
