"""The service images (one Dockerfile, `ARG SERVICE` and `PORT`): multi-stage, slim, non-root,
installed from the hashed lock without dev dependencies, a health check; and every command that
compose, Kubernetes or an image's default CMD runs names an entrypoint module that exists in that
service's code."""

from __future__ import annotations

import ast
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.helpers import DEPLOY, K8S, ROOT, SERVICES, components, prefix

DOCKERFILE = ROOT / "Dockerfile"


def instructions(path: Path, **build_args: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped, and
    `${ARG}` replaced by the given build arguments (as `docker build --build-arg` would)."""
    logical, current = [], ""
    for line in path.read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip("\\").strip() + " " if line.endswith("\\") else line.strip()
        if not line.endswith("\\"):
            logical.append(current)
            current = ""
    for name, value in build_args.items():
        logical = [ins.replace("${" + name + "}", value) for ins in logical]
    return [(ins.split(None, 1)[0].upper(), ins.split(None, 1)[1]) for ins in logical]


def final_stage(path: Path, **build_args: str) -> list[tuple[str, str]]:
    ins = instructions(path, **build_args)
    last_from = max(i for i, (op, _) in enumerate(ins) if op == "FROM")
    return ins[last_from:]


def image_of(svc: str) -> list[tuple[str, str]]:
    """The final stage of the Dockerfile as built for one service."""
    return final_stage(DOCKERFILE, SERVICE=svc, PORT=str(SERVICES[svc]))


def default_module(final: list[tuple[str, str]]) -> str:
    """The module the image's CMD runs (`exec python -m <module>` through /bin/sh)."""
    (cmd,) = [a for op, a in final if op == "CMD"]
    argv = json.loads(cmd)
    assert argv[:2] == ["/bin/sh", "-c"] and argv[2].startswith("exec python -m "), argv
    module: str = argv[2].removeprefix("exec python -m ").strip('"')
    return module


def _commands_in(node: object) -> list[list[str]]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "command" and isinstance(value, list) and "-m" in value:
                found.append([str(v) for v in value] + [str(a) for a in node.get("args", [])])
            else:
                found.extend(_commands_in(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_commands_in(item))
    return found


def python_commands() -> list[tuple[str, str, str]]:
    """(where, service whose image runs it, module) for every `python -m` command."""
    commands = []
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        build = service.get("build", {})
        if build.get("dockerfile") != "Dockerfile":
            continue
        for command in _commands_in({"command": service.get("command")}):
            module = command[command.index("-m") + 1]
            commands.append((f"compose:{name}", build["args"]["SERVICE"], module))
    for path in sorted(K8S.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            for command in _commands_in(doc):
                module = command[command.index("-m") + 1]
                image_svc = module.split(".")[1] if module.startswith("services.") else "?"
                commands.append((f"k8s:{path.relative_to(K8S)}", image_svc, module))
    for svc in SERVICES:
        commands.append((f"Dockerfile:{svc}", svc, default_module(image_of(svc))))
    return commands


COMMANDS = python_commands()


def test_commands_were_found() -> None:
    where = {w.split(":")[0] for w, _, _ in COMMANDS}
    assert where == {"compose", "k8s", "Dockerfile"}
    modules = {m for _, _, m in COMMANDS}
    for svc in SERVICES:
        for entry in ("migrate", *components(svc)):
            assert f"services.{svc}.entrypoints.{entry}" in modules, (svc, entry)


@pytest.mark.parametrize(
    ("where", "image_svc", "module"), COMMANDS, ids=[f"{w}:{m}" for w, _, m in COMMANDS]
)
def test_command_names_an_existing_entrypoint(where: str, image_svc: str, module: str) -> None:
    parts = module.split(".")
    assert len(parts) == 4 and parts[0] == "services" and parts[2] == "entrypoints", (
        f"{where}: {module} is not services.<service>.entrypoints.<name>"
    )
    assert parts[1] == image_svc, f"{where}: the {image_svc} image does not contain {module}"
    base = ROOT.joinpath(*parts)
    assert base.with_suffix(".py").is_file() or (base / "__main__.py").is_file(), (
        f"{where} runs `python -m {module}`, but {base.relative_to(ROOT)}.py does not exist"
    )


@pytest.mark.parametrize("svc", sorted(SERVICES))
def test_dockerfile(svc: str) -> None:
    ins = instructions(DOCKERFILE, SERVICE=svc, PORT=str(SERVICES[svc]))
    text = "\n".join(f"{op} {a}" for op, a in ins)  # without the comments
    args = {a.split("=", 1)[0]: a.split("=", 1)[1] for op, a in ins if op == "ARG" and "=" in a}
    assert args["PYTHON_IMAGE"].startswith("python:3.11-slim")
    froms = [a for op, a in ins if op == "FROM"]
    assert len(froms) >= 2, "multi-stage build"
    assert all(f.startswith("${PYTHON_IMAGE}") for f in froms)
    final = image_of(svc)
    users = [a for op, a in final if op == "USER"]
    assert users and users[-1].split(":")[0].isdigit() and users[-1].split(":")[0] != "0", (
        "the final stage must switch to a numeric non-root user (runAsNonRoot checks the uid)"
    )
    env = " ".join(a for op, a in final if op == "ENV")
    port = SERVICES[svc]
    assert f"HEALTHCHECK_URL=http://127.0.0.1:{port}/healthz" in env
    assert f"{prefix(svc)}HOST=0.0.0.0" in env and f"{prefix(svc)}PORT={port}" in env
    (health,) = [a for op, a in final if op == "HEALTHCHECK"]
    assert "urllib.request" in health and "HEALTHCHECK_URL" in health
    assert default_module(final) == f"services.{svc}.entrypoints.api"
    assert f"EXPOSE {port} 9100" in [f"{op} {a}" for op, a in final]
    # Runtime dependencies only, exactly as locked: requirements.lock with hashes, no resolver.
    (install,) = [a for op, a in ins if op == "RUN" and "pip install" in a]
    assert "--require-hashes" in install and "--no-deps" in install
    assert "--requirement requirements.lock" in install
    assert not re.search(r"\[dev\]|requirements-dev|pyproject|pytest|hypothesis", text)
    # The image carries shared/ and this service only.
    copies = [a for op, a in final if op == "COPY" and not a.startswith("--from")]
    assert sorted(copies) == sorted(
        [
            "shared/ shared/",
            "services/__init__.py services/__init__.py",
            f"services/{svc}/ services/{svc}/",
        ]
    )


def test_dockerfile_refuses_an_unknown_service_or_port() -> None:
    """The build fails early unless SERVICE and PORT name one of the services and its port."""
    (check,) = [a for op, a in image_of("registry") if op == "RUN" and "case" in a]
    pairs = re.search(r"in (\S+)\)", check)
    assert pairs is not None
    assert set(pairs.group(1).split("|")) == {f"{svc}:{port}" for svc, port in SERVICES.items()}
    assert "exit 1" in check


@pytest.mark.parametrize("svc", sorted(SERVICES))
def test_service_code_imports_no_other_service(svc: str) -> None:
    """Each image ships only its own service's package, so no cross-service imports."""
    others = set(SERVICES) - {svc}
    for path in (ROOT / "services" / svc).rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                parts = name.split(".")
                assert not (parts[0] == "services" and len(parts) > 1 and parts[1] in others), (
                    f"{path.relative_to(ROOT)} imports {name}: not in the {svc} image"
                )


def test_dockerignore_keeps_secrets_and_clutter_out() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "**", "allow-list: ignore everything, then re-include"
    assert {"!requirements.lock", "!shared/", "!services/"} <= set(patterns)
    for needed in ("**/.env", "**/__pycache__"):
        assert needed in patterns


def test_installer_script_is_valid_bash() -> None:
    script = DEPLOY / "tools" / "install-validators.sh"
    assert script.stat().st_mode & 0o111, "install-validators.sh must be executable"
    proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
