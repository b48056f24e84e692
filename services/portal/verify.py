"""Offline verification of a credit report (PDF or JSON) with the portal's public key.

    python -m services.portal.verify report.pdf --key quality-report-key.pem
    python -m services.portal.verify report.pdf --portal https://portal.example   # key + freshness

Exit status: 0 authentic (and current, when --portal is given), 1 not authentic (a byte was
changed, wrong key, malformed), 2 authentic but stale (the record changed since).
The checks are the integrators' (``qp_client.report``; ``qp report verify`` is the same with
the CLI's exit codes).
"""

import argparse
import sys
from pathlib import Path

from qp_client.report import fetch_keys, is_current, keys_from_pem, token_of, verify_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report", type=Path)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--key", type=Path, help="the portal's public key (PEM)")
    source.add_argument("--portal", help="portal base URL: fetch its key and check freshness")
    args = parser.parse_args(argv)
    keys = keys_from_pem(args.key.read_bytes()) if args.key else fetch_keys(args.portal)
    data = args.report.read_bytes()
    verdict = verify_report(data, keys)
    if not verdict.valid:
        print(f"NOT AUTHENTIC: {verdict.reason}")
        return 1
    c = verdict.claims
    print(f"AUTHENTIC: report {c['report_id']} on {c['name']} ({c['uscc']}) of {c['issued_at']}")
    if args.portal:
        current = is_current(args.portal, token_of(data))
        print("CURRENT: matches the record today" if current else "STALE: the record changed since")
        return 0 if current else 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
