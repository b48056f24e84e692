"""Developer tooling: ``make run``, demo data, the test and benchmark harness, dev tokens.

Never shipped: the images copy ``shared/`` (contracts and chassis) and one service's package, and
no module of ``shared/`` or ``services/`` may import ``devtools``
(tests/deploy/test_deploy_layering.py). Tooling may import anything.
"""
