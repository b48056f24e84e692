"""How ``make run`` starts the registry (see shared/devstack.py)."""

from services.registry.config import SERVICE_DIR
from services.registry.seed import BODIES, seed
from shared.demo import demo_enterprises
from shared.devstack import DevService

SERVICE = DevService(
    name="registry",
    port=8001,
    service_dir=SERVICE_DIR,
    workers=[
        ["-m", "services.registry.entrypoints.relay", "run"],
        ["-m", "services.registry.entrypoints.scheduler"],
        ["-m", "services.registry.entrypoints.consumer"],
        ["-m", "services.registry.entrypoints.webhooks"],
    ],
    seed=seed,
    tokens={
        "regulator (provincial, Zhejiang)": {
            "role": "regulator",
            "sub": "zj-amr-inspector",
            "authority_level": "provincial",
            "region_code": "330000",
            "department": "ZJAMR",
        },
        "regulator (national, CNCA: governs certification bodies)": {
            "role": "regulator",
            "sub": "cnca-officer",
            "authority_level": "national",
            "region_code": "100000",
            "department": "CNCA",
        },
        f"certification body {BODIES[0][0]}": {
            "role": "certification_body",
            "sub": "cqc-officer",
            "body_id": BODIES[0][0],
        },
        "enterprise (demo holder)": {
            "role": "enterprise",
            "sub": "demo-enterprise",
            "uscc": demo_enterprises()[0].uscc,
        },
    },
)
