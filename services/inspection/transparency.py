"""Check the inspection service's public transparency log:
``python -m services.inspection.transparency verify URL [--expect SEQ:HASH]``.

``URL`` is the service's base URL (``/public/transparency-log`` is appended unless the URL
already ends with it) or a JSON file saved from it. Every page is fetched from entry 1 and the
whole chain is checked (docs/draw-spec.md section 8): numbering without gaps, each entry linked
to the one before, payload and entry hashes, timestamps in order, and the head the server
reports. ``--expect SEQ:HASH`` (a head noted on an earlier run) also checks that the log still
holds that entry unchanged, which catches a rewritten tail. Exit status 0: consistent;
1: not (each problem is printed); 2: the log cannot be fetched. Imports only the pure domain
code and httpx.
"""

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from services.inspection.domain.transparency import ChainReport, verify_chain

LOG_PATH = "/public/transparency-log"
Fetch = Callable[[str, dict[str, Any]], dict[str, Any]]


def http_fetch(timeout: float = 30) -> Fetch:
    def fetch(url: str, params: dict[str, Any]) -> dict[str, Any]:
        r = httpx.get(url, params=params, timeout=timeout)
        r.raise_for_status()
        return r.json()  # type: ignore[no-any-return]

    return fetch


def pages(url: str, fetch: Fetch, limit: int = 500) -> Iterator[dict[str, Any]]:
    """Every page from the start, following ``next_after``."""
    after: int | None = 0
    while after is not None:
        page = fetch(url, {"after": after, "limit": limit})
        yield page
        after = page.get("next_after")


def check(url: str, fetch: Fetch, expect: tuple[int, str] | None = None) -> ChainReport:
    if not url.rstrip("/").endswith(LOG_PATH):
        url = url.rstrip("/") + LOG_PATH
    entries: list[dict[str, Any]] = []
    head = None
    for page in pages(url, fetch):
        entries.extend(page.get("entries", []))
        head = page.get("head")
    report = verify_chain(entries, expect=expect)
    if head is not None and (head.get("seq"), head.get("entry_hash")) != report.head:
        report.problems.append(
            f"the server reports head {head.get('seq')}:{head.get('entry_hash')}, "
            f"the entries end at {report.head[0]}:{report.head[1]}"
        )
    return report


def _file_fetch(path: Path) -> Fetch:
    def fetch(url: str, params: dict[str, Any]) -> dict[str, Any]:
        data = json.loads(path.read_bytes())
        return {"entries": data, "next_after": None} if isinstance(data, list) else data

    return fetch


def _expect(text: str | None) -> tuple[int, str] | None:
    if not text:
        return None
    seq, _, digest = text.partition(":")
    return int(seq), digest.lower()


def main(argv: list[str] | None = None, fetch: Fetch | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.inspection.transparency",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="fetch the log and check its consistency")
    verify.add_argument("url", help="the inspection service's base URL, or a saved JSON file")
    verify.add_argument("--expect", help="SEQ:HASH of an entry noted earlier")
    args = parser.parse_args(argv)
    source = Path(args.url)
    if fetch is None:
        fetch = _file_fetch(source) if source.is_file() else http_fetch()
    try:
        report = check(args.url, fetch, _expect(args.expect))
    except (httpx.HTTPError, OSError, ValueError) as exc:
        print(f"cannot fetch the log: {exc}", file=sys.stderr)
        return 2
    if report.ok:
        seq, digest = report.head
        print(f"CONSISTENT: {report.entries} entries, head {seq}:{digest}")
        return 0
    print(f"INCONSISTENT: {len(report.problems)} problems in {report.entries} entries:")
    for problem in report.problems:
        print(f"  - {problem}")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
