"""Verify a published draw offline: ``python -m services.inspection.verify draw.json``.

``draw.json`` is the draw record from ``GET /public/draws/{id}/verification``; the snapshot is
``GET /public/snapshots/{id}/document`` saved as a file (``--snapshot``), or embedded in the
draw record under ``"snapshot"``. The draw record names its algorithm (``es-shake256-v2`` for
new draws, ``es-hmac-sha256-v1`` for earlier ones) and the draw is recomputed with it; both
are specified in ``services/inspection/domain/draw_v2.py`` and ``draw_v1.py``. When the
snapshot lists contributions of other parties, each revealed value is checked against its
commitment and the draw uses the combined draw seed (``docs/draw-spec.md`` section 6); the
recusals are those the snapshot committed (section 7). With ``--log FILE`` (the transparency
log, ``GET /public/transparency-log`` saved as a file: a page or its ``entries``) the late
exclusions are also checked against the log: each was logged for the snapshot before the draw,
and the draw's entry commits to exactly the record's list (section 7). Before the
plan's sampling period ends the record is partial (``"disclosure": "partial"``): the entries
revealed so far are checked against the selection commitment, no snapshot needed. A re-test lab record (``GET /public/tasks/{id}/retest-lab``, ``"algorithm": "retest-lab-v2"``)
is recomputed from its draw seed (``docs/draw-spec.md`` section 3). Exit status 0:
the draw matches; 1: it does not (each discrepancy is printed); 2: the files cannot be read.
Imports only the pure domain code, so it runs anywhere Python runs (numpy, if installed, only
makes it faster).
"""

import argparse
import json
import sys
from pathlib import Path

from services.inspection.domain import late_exclusions, retest
from services.inspection.domain.draw import canonical_bytes
from services.inspection.domain.verification import verify, verify_partial


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.inspection.verify",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("draw", type=Path, help="the draw record (JSON)")
    parser.add_argument("--snapshot", type=Path, help="the snapshot document as published")
    parser.add_argument("--log", type=Path, help="the transparency log (JSON) to check against")
    args = parser.parse_args(argv)
    try:
        bundle = json.loads(args.draw.read_bytes())
        if str(bundle.get("algorithm", "")).startswith("retest-lab-"):
            return _retest_lab(bundle)
        log_problems = _log_problems(bundle, args.log)
        if bundle.get("disclosure") == "partial":
            return _partial(bundle, log_problems)
        if args.snapshot is not None:
            snapshot = args.snapshot.read_bytes()
        elif isinstance(bundle.get("snapshot"), dict):
            snapshot = canonical_bytes(bundle["snapshot"])
        else:
            print('no snapshot: pass --snapshot FILE or embed it as "snapshot"', file=sys.stderr)
            return 2
    except (OSError, ValueError) as exc:
        print(f"cannot read input: {exc}", file=sys.stderr)
        return 2
    report = verify(bundle, snapshot)
    report.problems.extend(log_problems)
    if report.ok:
        print(
            f"MATCH: draw {bundle.get('draw_id')} recomputed from the snapshot "
            f"({report.checked_units} eligible units) and the seed selects the same "
            f"{report.selected} units, teams and labs"
        )
        return 0
    print(f"MISMATCH: draw {bundle.get('draw_id')} does not verify:")
    for problem in report.problems:
        print(f"  - {problem}")
    return 1


def _retest_lab(record: dict) -> int:
    problems = retest.check_record(record)
    if not problems:
        print(f"MATCH: re-test lab {record.get('lab_id')} of task {record.get('task_id')}")
        return 0
    print(f"MISMATCH: re-test lab of task {record.get('task_id')} does not verify:")
    for problem in problems:
        print(f"  - {problem}")
    return 1


def _log_problems(bundle: dict, path: Path | None) -> list[str]:
    """Raises OSError/ValueError when the log cannot be read (exit 2)."""
    if path is None:
        return []
    data = json.loads(path.read_bytes())
    entries = data if isinstance(data, list) else (data or {}).get("entries")
    if not isinstance(entries, list):
        raise ValueError("the log file holds no entries")
    return late_exclusions.check_log(bundle, entries)


def _partial(bundle: dict, log_problems: list[str]) -> int:
    report = verify_partial(bundle)
    report.problems.extend(log_problems)
    if report.ok:
        print(
            f"MATCH (partial): {report.selected} of {bundle.get('selected_count')} entries of "
            f"draw {bundle.get('draw_id')} are revealed and match the selection commitment; "
            f"the whole draw can be recomputed from {bundle.get('public_from')}"
        )
        return 0
    print(f"MISMATCH: draw {bundle.get('draw_id')} does not verify:")
    for problem in report.problems:
        print(f"  - {problem}")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
