"""How ``make run`` starts the inspection service (see devtools/devstack.py)."""

from devtools.demo import demo_enterprises
from devtools.devstack import DevService
from devtools.services.inspection.seed import seed
from services.inspection.config import SERVICE_DIR

SERVICE = DevService(
    name="inspection",
    port=8002,
    service_dir=SERVICE_DIR,
    workers=[
        ["-m", "services.inspection.entrypoints.relay", "run"],
        ["-m", "services.inspection.entrypoints.scheduler"],
        ["-m", "services.inspection.entrypoints.consumer"],
    ],
    seed=seed,
    tokens={
        "inspection planner (provincial, Zhejiang AMR)": {
            "role": "regulator",
            "sub": "zj-amr-planner",
            "authority_level": "provincial",
            "region_code": "330000",
            "department": "ZJAMR",
        },
        "inspection planner (municipal, Hangzhou AMR)": {
            "role": "regulator",
            "sub": "hz-amr-planner",
            "authority_level": "municipal",
            "region_code": "330100",
            "department": "HZAMR",
        },
        "enterprise (demo, inspected)": {
            "role": "enterprise",
            "sub": "demo-enterprise",
            "uscc": demo_enterprises()[0].uscc,
        },
    },
)
