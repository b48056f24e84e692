"""Cross-service event contracts: versioned payload models, JSON Schema snapshots, samples.

Services never import each other; they agree on these models. Importing this package
registers every contract in ``shared.events.contracts``.
"""

from shared.contracts import (
    credit,  # noqa: F401
    inspection,  # noqa: F401
    registry,  # noqa: F401
)
