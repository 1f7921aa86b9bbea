#!/usr/bin/env bash
# Install what is missing on a fresh Debian 12 machine (as root): system packages, the virtualenv from
# the pinned requirements, and the front-end assets. Every step is skipped when already done.
# Usage: scripts/bootstrap.sh [run|test]   ("test" also installs Chromium for the browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# fonts-wqy-microhei: the base map cuts its label font from it (geo_app/domain/maps/basemap_font.py)
for pkg in postgresql-15 postgresql-15-postgis-3 fonts-wqy-microhei; do have_pkg "$pkg" || need+=("$pkg"); done
command -v npm >/dev/null || need+=(nodejs npm)
if [ "$mode" = test ]; then
  have_pkg chromium || need+=(chromium)
  have_pkg wrk || need+=(wrk)   # bench/load.py drives the server with it
fi

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null; then PYTHON="$candidate"; break; fi
  done
fi
[ -n "$PYTHON" ] || need+=(python3 python3-venv)
if [ -n "$PYTHON" ] && [ ! -x .venv/bin/python ] && ! "$PYTHON" -c "import ensurepip" 2>/dev/null; then
  need+=(python3-venv)
fi

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "bootstrap: missing packages ${need[*]}; run as root or install them" >&2; exit 1
  fi
  echo "bootstrap: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian starts a system cluster on 5432; the project runs its own and does not need that one.
fi
PYTHON="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
# `run` needs the runtime set; `test` (tests, benchmarks, lint) adds the development set on top of it.
reqs=requirements.txt
[ "$mode" = test ] && reqs=requirements-dev.txt
stamp=".venv/.requirements-$mode.sha256"
want=$(cat requirements.txt "$reqs" constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing Python requirements ($reqs)"
  .venv/bin/pip install -q --disable-pip-version-check -r "$reqs" -c constraints.txt
  echo "$want" > "$stamp"
fi

bash scripts/install_assets.sh

# Compile the translation catalogs (one directory per part of the app).
for catalog in translations/*/; do
  if ls "$catalog"*/LC_MESSAGES/messages.po >/dev/null 2>&1; then
    .venv/bin/pybabel -q compile -f -d "$catalog"
  fi
done
