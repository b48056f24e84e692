"""Building blocks of response models shared by the services' APIs.

Routes that answered bare dicts before they had models wrote timestamps with
``datetime.isoformat()`` (``+00:00``, through FastAPI's encoder); pydantic would write ``Z``.
``Timestamp`` keeps the old form so typing a route does not change its bytes.
"""

from datetime import datetime
from typing import Annotated

from pydantic import PlainSerializer

Timestamp = Annotated[
    datetime, PlainSerializer(lambda value: value.isoformat(), return_type=str, when_used="json")
]
