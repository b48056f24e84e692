"""How ``make run`` starts the public portal (see devtools/devstack.py): no database, it reads
the other services' public APIs on their default ports."""

from devtools.devstack import DevService
from services.portal.config import SERVICE_DIR

SERVICE = DevService(
    name="portal",
    port=8004,
    service_dir=SERVICE_DIR,
    migrate=False,
    banner_path="/",
    env={"PORTAL_PUBLIC_URL": "http://127.0.0.1:8004"},
)
