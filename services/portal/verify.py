"""Offline verification of a credit report (PDF or JSON) with the portal's public key.

    python -m services.portal.verify report.pdf --key quality-report-key.pem
    python -m services.portal.verify report.pdf --portal https://portal.example   # key + freshness

Exit status: 0 authentic (and current, when --portal is given), 1 not authentic (a byte was
changed, wrong key, malformed), 2 authentic but stale (the record changed since).
"""

import argparse
import sys
from pathlib import Path
from urllib.parse import quote

import httpx

from services.portal.report.signing import (
    TOKEN_LINE,
    key_id,
    load_public_key,
    verify_report,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report", type=Path)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--key", type=Path, help="the portal's public key (PEM)")
    source.add_argument("--portal", help="portal base URL: fetch its key and check freshness")
    args = parser.parse_args(argv)
    if args.key:
        pem = args.key.read_bytes()
    else:
        pem = httpx.get(f"{args.portal}/.well-known/quality-report-key.pem", timeout=10).content
    key = load_public_key(pem)
    data = args.report.read_bytes()
    verdict = verify_report(data, {key_id(key): key})
    if not verdict.valid:
        print(f"NOT AUTHENTIC: {verdict.reason}")
        return 1
    c = verdict.claims
    print(f"AUTHENTIC: report {c['report_id']} on {c['name']} ({c['uscc']}) of {c['issued_at']}")
    if args.portal:
        current = _current(args.portal, data)
        print("CURRENT: matches the record today" if current else "STALE: the record changed since")
        return 0 if current else 2
    return 0


def _current(portal: str, data: bytes) -> bool:
    """Asks the portal's check page (it compares the report's digest with the live record)."""
    if data.startswith(b"%PDF"):
        start = data.rfind(TOKEN_LINE) + len(TOKEN_LINE)
        token = data[start : data.index(b"\n", start)].decode()
    else:
        import json

        token = json.loads(data)["token"]
    response = httpx.get(
        f"{portal}/reports/check?token={quote(token)}", timeout=30, headers={"Accept": "text/html"}
    )
    return 'data-verdict="current"' in response.text


if __name__ == "__main__":
    sys.exit(main())
