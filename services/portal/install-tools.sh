#!/usr/bin/env bash
# Installs what the portal needs from Debian besides Python packages. Idempotent: what is
# already there is left alone (no network access then).
#
#   fonts-wqy-zenhei   a TrueType CJK font embedded in PDF reports (and used by the browser)
#   chromium, chromium-driver   headless browser tests (tests/portal/test_browser.py)
#   poppler-utils      pdftoppm / pdftotext / pdffonts, used by the PDF tests
#
#   services/portal/install-tools.sh            everything (make test)
#   services/portal/install-tools.sh --fonts    the font only (make run)
set -euo pipefail

missing=()
[[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]] || missing+=(fonts-wqy-zenhei)
if [[ "${1:-}" != "--fonts" ]]; then
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
    command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
fi
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "portal-tools: installed already"
    exit 0
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "portal-tools: missing ${missing[*]}; run as root or install these Debian packages" >&2
        exit 1
    }
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
apt_install=("${sudo[@]}" apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}")
if ! "${apt_install[@]}"; then
    "${sudo[@]}" apt-get update
    "${apt_install[@]}"
fi
echo "portal-tools: installed ${missing[*]}"
