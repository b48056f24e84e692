"""shared/ holds the contracts and the chassis, devtools/ the developer tooling (issue 11).

The images copy shared/ and one service's package, so a production module that imported
devtools would fail in production only; these tests fail first.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.deploy.helpers import ROOT

PRODUCTION = ("shared", "services")


def imported_modules(path: Path) -> list[str]:
    """Absolute imports, plus module names passed as strings (importlib, mock targets)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names += re.findall(r"^devtools(?:\.\w+)*$", node.value)
    return names


def production_modules() -> list[Path]:
    return sorted(p for top in PRODUCTION for p in (ROOT / top).rglob("*.py"))


def test_there_is_production_code_to_check() -> None:
    assert len(production_modules()) > 100


@pytest.mark.parametrize("top", PRODUCTION)
def test_production_code_never_imports_devtools(top: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / top).rglob("*.py"))
        for name in imported_modules(path)
        if name.split(".")[0] == "devtools"
    ]
    assert not offenders, "production code must not need the dev tooling:\n" + "\n".join(offenders)


def test_contracts_need_only_the_event_envelope() -> None:
    """The cross-service seam depends on no service, no tooling and no chassis beyond events."""
    for path in (ROOT / "shared" / "contracts").rglob("*.py"):
        for name in imported_modules(path):
            top = name.split(".")[0]
            assert top not in ("services", "devtools"), f"{path.relative_to(ROOT)}: {name}"
            if top == "shared":
                assert name.startswith("shared.contracts") or name == "shared.events", (
                    f"{path.relative_to(ROOT)} imports {name}: contracts stay chassis-free"
                )


def test_no_tooling_left_in_the_production_packages() -> None:
    """make-run plug-ins, seeds and the test harness live in devtools/, not in an image."""
    left = [
        str(p.relative_to(ROOT))
        for p in [
            ROOT / "shared" / "devstack.py",
            ROOT / "shared" / "demo.py",
            ROOT / "shared" / "testing",
            ROOT / "shared" / "auth" / "cli.py",
            *(ROOT / "services").glob("*/devstack.py"),
            *(ROOT / "services").glob("*/seed.py"),
        ]
        if p.exists()
    ]
    assert not left


def test_images_never_carry_devtools() -> None:
    dockerfiles = [ROOT / "Dockerfile", *(ROOT / "services").glob("*/Dockerfile")]
    for dockerfile in dockerfiles:
        copies = [
            line
            for line in dockerfile.read_text().splitlines()
            if line.strip().upper().startswith(("COPY", "ADD"))
        ]
        assert copies, dockerfile
        assert not [c for c in copies if "devtools" in c], dockerfile
        assert not [c for c in copies if re.search(r"(COPY|ADD)\s+(--\S+\s+)*\.\s", c)], (
            f"{dockerfile.relative_to(ROOT)} copies the whole context"
        )
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "**" and not [p for p in patterns if "devtools" in p]


def test_make_run_finds_every_service_plugin() -> None:
    from devtools.devstack import discover

    names = {svc.name for svc in discover()}
    plugins = {p.parent.name for p in (ROOT / "devtools" / "services").glob("*/devstack.py")}
    assert names == plugins and {"registry", "inspection", "credit", "portal"} <= names
