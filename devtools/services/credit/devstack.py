"""How ``make run`` starts the credit service (see devtools/devstack.py)."""

from devtools.demo import demo_enterprises
from devtools.devstack import DevService
from devtools.services.credit.seed import seed
from services.credit.config import SERVICE_DIR

_DEMO = demo_enterprises()

SERVICE = DevService(
    name="credit",
    port=8003,
    service_dir=SERVICE_DIR,
    workers=[
        ["-m", "services.credit.entrypoints.relay", "run"],
        ["-m", "services.credit.entrypoints.scheduler"],
        ["-m", "services.credit.entrypoints.consumer"],
        ["-m", "services.credit.entrypoints.webhooks"],
    ],
    seed=seed,
    tokens={
        "credit regulator (provincial, Zhejiang)": {
            "role": "regulator",
            "sub": "zj-credit-officer",
            "authority_level": "provincial",
            "region_code": "330000",
            "department": "ZJAMR",
        },
        "enterprise on the dishonesty list (credit)": {
            "role": "enterprise",
            "sub": "demo-listed-enterprise",
            "uscc": _DEMO[1].uscc,
        },
        "enterprise with a pending repair application (credit)": {
            "role": "enterprise",
            "sub": "demo-repairing-enterprise",
            "uscc": _DEMO[3].uscc,
        },
    },
)
