"""``qp``: the platform's public APIs from the command line.

\b
Exit codes (for scripts):
  0  all good: every certificate found and valid / enterprise not listed / draw verifies
  1  the service answered with an error or could not be reached (message on stderr)
  2  usage error (bad option or file)
  3  something is not in good standing: a certificate found but not valid, an enterprise on
     the dishonesty list
  4  not found: a certificate number or enterprise the service does not know
  5  a draw does not verify against its snapshot and seed; a report is not authentic
     (a byte changed, another key, malformed)
  6  a report is authentic but stale: the enterprise's record changed since it was made
"""

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click
import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from qp_client import models as m
from qp_client import report as rep
from qp_client.client import Client, chunked
from qp_client.endpoints import VERIFY_CHUNK
from qp_client.errors import ApiError, NotFound, QPError

OK, ERROR, USAGE, NOT_GOOD, NOT_FOUND, MISMATCH, STALE = 0, 1, 2, 3, 4, 5, 6
CSV_COLUMNS = (
    "number",
    "found",
    "status",
    "holder_uscc",
    "holder_name",
    "scheme",
    "expiry_date",
    "body_id",
    "joint_punishment",
)


class Ctx:
    def __init__(self, **options: Any) -> None:
        self.options = options

    def client(self) -> Client:
        return Client(**self.options)


@click.group(help=__doc__, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--registry-url", envvar="QP_REGISTRY_URL", help="default http://127.0.0.1:8001")
@click.option("--credit-url", envvar="QP_CREDIT_URL", help="default http://127.0.0.1:8003")
@click.option("--inspection-url", envvar="QP_INSPECTION_URL", help="default http://127.0.0.1:8002")
@click.option("--token", envvar="QP_TOKEN", help="bearer token (not needed for public data)")
@click.pass_context
def cli(
    ctx: click.Context,
    registry_url: str | None,
    credit_url: str | None,
    inspection_url: str | None,
    token: str | None,
) -> None:
    ctx.obj = Ctx(registry=registry_url, credit=credit_url, inspection=inspection_url, token=token)


# -- verify ---------------------------------------------------------------------------------
@cli.command()
@click.argument("numbers", nargs=-1)
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="read numbers from a CSV file (column 'number', else the first column)",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default=None,
    help="output format (default: table for a few numbers, csv for --csv)",
)
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="write the results here instead of stdout",
)
@click.pass_obj
def verify(
    obj: Ctx, numbers: tuple[str, ...], csv_file: Path | None, fmt: str | None, output: Any
) -> None:
    """Verify certificates: status, holder and validity of each number."""
    wanted = list(numbers) + (read_numbers(csv_file) if csv_file else [])
    if not wanted:
        raise click.UsageError("give certificate numbers or --csv FILE")
    fmt = fmt or ("csv" if csv_file else "table")
    with obj.client() as client:
        items = run_with_progress(client, wanted, show=csv_file is not None)
    write_items(items, fmt, output)
    if any(not i.found for i in items):
        sys.exit(NOT_FOUND)
    if any(i.status != "valid" for i in items):
        sys.exit(NOT_GOOD)


def read_numbers(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f) if r and r[0].strip()]
    if not rows:
        return []
    header = [c.strip().lower() for c in rows[0]]
    if "number" in header:
        col = header.index("number")
        return [r[col].strip() for r in rows[1:] if len(r) > col and r[col].strip()]
    return [r[0].strip() for r in rows]


def run_with_progress(client: Client, numbers: list[str], show: bool) -> list[m.VerifyItem]:
    items: list[m.VerifyItem] = []
    chunks = list(chunked(numbers, VERIFY_CHUNK))
    with click.progressbar(
        chunks, label="verifying", file=sys.stderr, show_pos=True, hidden=not show
    ) as bar:
        for chunk in bar:
            items.extend(client.verify(chunk))
    return items


def item_row(item: m.VerifyItem) -> dict[str, Any]:
    c = item.certificate
    return {
        "number": item.number,
        "found": item.found,
        "status": item.status or "",
        "holder_uscc": c.holder.uscc if c else "",
        "holder_name": c.holder.name if c else "",
        "scheme": c.scheme.code if c else "",
        "expiry_date": c.expiry_date.isoformat() if c else "",
        "body_id": c.body.id if c else "",
        "joint_punishment": ";".join(j.measure for j in c.joint_punishment) if c else "",
    }


def write_items(items: list[m.VerifyItem], fmt: str, out: Any) -> None:
    if fmt == "json":
        json.dump([i.model_dump(mode="json") for i in items], out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(item_row(i) for i in items)
    else:
        for row in map(item_row, items):
            status = row["status"] if row["found"] else "NOT FOUND"
            out.write(
                f"{row['number']:<28} {status:<10} {row['holder_uscc']:<20} "
                f"{row['scheme']:<8} {row['expiry_date']}\n"
            )


# -- enterprise -----------------------------------------------------------------------------
@cli.command()
@click.argument("uscc")
@click.option("--json", "as_json", is_flag=True, help="print the profile as JSON")
@click.pass_obj
def enterprise(obj: Ctx, uscc: str, as_json: bool) -> None:
    """An enterprise's public credit profile (exit 3 when on the dishonesty list)."""
    with obj.client() as client:
        profile = client.enterprise(uscc)
    if as_json:
        click.echo(profile.model_dump_json(indent=2))
    else:
        listed = "LISTED" if profile.dishonesty_list.listed else "not listed"
        click.echo(f"{profile.uscc}  {profile.name}")
        click.echo(
            f"risk grade {profile.risk_grade.grade} ({profile.risk_grade.label}); "
            f"dishonesty list: {listed}; records in disclosure: "
            f"{profile.records_in_disclosure}"
        )
        for measure in profile.active_measures:
            click.echo(f"  measure {measure.code}: {measure.name} (since {measure.since})")
    if profile.dishonesty_list.listed:
        sys.exit(NOT_GOOD)


# -- draw verify ----------------------------------------------------------------------------
@cli.group()
def draw() -> None:
    """Random-inspection draws."""


@draw.command("verify")
@click.argument("draw_id")
@click.option(
    "--save",
    type=click.Path(file_okay=False, path_type=Path),
    help="also keep draw.json and snapshot.json in this folder",
)
@click.pass_obj
def draw_verify(obj: Ctx, draw_id: str, save: Path | None) -> None:
    """Fetch a draw and its snapshot and recompute it offline (exit 5 on mismatch)."""
    try:
        from services.inspection.domain.verification import verify as verify_draw
    except ImportError:  # pragma: no cover - depends on the installation
        raise click.ClickException(
            "the offline verifier ships with the platform (services.inspection); install it"
        ) from None
    with obj.client() as client:
        bundle = client.draw_verification(draw_id)
        snapshot = client.snapshot_document(bundle["snapshot_id"])
    if save:
        save.mkdir(parents=True, exist_ok=True)
        (save / "draw.json").write_text(json.dumps(bundle, ensure_ascii=False, indent=2))
        (save / "snapshot.json").write_bytes(snapshot)
    report = verify_draw(bundle, snapshot)
    if report.ok:
        click.echo(
            f"MATCH: draw {draw_id} ({bundle['algorithm']}): {report.checked_units} "
            f"eligible units, the seed selects the same {report.selected} units, "
            "teams and labs"
        )
        return
    click.echo(f"MISMATCH: draw {draw_id} does not verify:")
    for problem in report.problems:
        click.echo(f"  - {problem}")
    sys.exit(MISMATCH)


# -- report verify --------------------------------------------------------------------------
@cli.group()
def report() -> None:
    """Enterprise quality credit reports signed by the portal."""


@report.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the portal's public key (PEM); default: the keys published by --portal-url",
)
@click.option(
    "--portal-url",
    envvar="QP_PORTAL_URL",
    default="http://127.0.0.1:8004",
    show_default=True,
    help="the portal that published the report",
)
@click.option("--offline", is_flag=True, help="only the signature; no freshness check online")
def report_verify(file: Path, key_file: Path | None, portal_url: str, offline: bool) -> None:
    """Verify a downloaded report (PDF or JSON): exit 5 not authentic, 6 stale."""
    if key_file:
        keys = rep.keys_from_pem(key_file.read_bytes())
    elif offline:
        raise click.UsageError("--offline needs the portal's public key: --key FILE")
    else:
        keys = _fetched_keys(portal_url)
    data = file.read_bytes()
    verdict = rep.verify_report(data, keys)
    if not verdict.valid:
        click.echo(f"NOT AUTHENTIC: {file.name}: {verdict.reason}")
        sys.exit(MISMATCH)
    c = verdict.claims
    click.echo(
        f"AUTHENTIC: report {c['report_id']} on {c['name']} ({c['uscc']}) of {c['issued_at']}"
    )
    if offline:
        return
    try:
        current = rep.is_current(portal_url, rep.token_of(data))
    except (httpx.HTTPError, ValueError) as exc:
        raise click.ClickException(f"the online check failed: {exc}") from None
    if not current:
        click.echo("STALE: the enterprise's record changed since the report was made")
        sys.exit(STALE)
    click.echo("CURRENT: the report matches the record today")


def _fetched_keys(portal_url: str) -> dict[str, Ed25519PublicKey]:
    try:
        return rep.fetch_keys(portal_url)
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise click.ClickException(f"cannot read the report keys of {portal_url}: {exc}") from None


# -- mirror ---------------------------------------------------------------------------------
@cli.command()
@click.argument("feed", type=click.Choice(["disclosures", "changes"]))
@click.option(
    "--db",
    "db_url",
    required=True,
    envvar="QP_MIRROR_DB",
    help="sqlite:///mirror.db or postgresql://user@host/db",
)
@click.option("--follow", is_flag=True, help="keep polling after catching up")
@click.option(
    "--interval",
    type=float,
    default=2.0,
    show_default=True,
    help="seconds between polls with --follow",
)
@click.option("--page-size", type=click.IntRange(1, 500), default=500, show_default=True)
@click.pass_obj
def mirror(obj: Ctx, feed: str, db_url: str, follow: bool, interval: float, page_size: int) -> None:
    """Keep a local copy of a feed, resumable and exactly once per entry."""
    from qp_client import mirror as mir

    engine = mir.engine_for(db_url)

    def report(p: mir.Progress) -> None:
        click.echo(f"\r{feed}: {p.entries} entries in {p.pages} pages", nl=False, err=True)

    with obj.client() as client:
        if follow:
            mir.follow(client, engine, feed, page_size, interval, on_page=report)
        else:
            done = mir.sync_once(client, engine, feed, page_size, on_page=report)
            click.echo(f"\n{feed}: mirrored {done.entries} new entries", err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point: service errors become exit 1 (or 4 for not found) with the problem code."""
    try:
        code = cli.main(args=argv, prog_name="qp", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else OK)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(USAGE if isinstance(exc, click.UsageError) else ERROR)
    except click.exceptions.Abort:
        sys.exit(ERROR)
    except NotFound as exc:
        click.echo(f"qp: not found ({exc.code}): {exc.detail or exc.title}", err=True)
        sys.exit(NOT_FOUND)
    except ApiError as exc:
        click.echo(f"qp: {exc.status} {exc.code}: {exc.detail or exc.title}", err=True)
        sys.exit(ERROR)
    except QPError as exc:
        click.echo(f"qp: {exc}", err=True)
        sys.exit(ERROR)
