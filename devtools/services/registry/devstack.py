"""How ``make run`` starts the registry (see devtools/devstack.py)."""

from devtools.demo import demo_enterprises
from devtools.devstack import DevService
from devtools.services.registry.seed import BODIES, seed
from services.registry.config import SERVICE_DIR

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
