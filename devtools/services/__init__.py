"""Per service: how ``make run`` starts it (``devstack.py``: ``SERVICE``) and its demo data
(``seed.py``). Discovered by ``devtools.devstack.discover``."""
