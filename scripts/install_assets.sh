#!/usr/bin/env bash
# Install the pinned front-end assets that every map page needs into static/vendor/ (served by the app at
# /static/vendor/...), so that maps work on an intranet with no internet.
#
# Versions are pinned in scripts/assets-package.json and scripts/assets-package-lock.json (the lock has no
# "resolved" keys, so npm uses whatever registry it is configured with). Packages are installed into
# var/npm/ with scripts disabled, then the files the pages use are copied into static/vendor/.
# Idempotent: static/vendor/.stamp holds a hash of the pins, this script and folium's bundled heat-map
# script; when it matches, nothing is done.
#
# Usage (from anywhere, normally the project root): bash scripts/install_assets.sh
# Environment: PYTHON (default .venv/bin/python, else python3) to find the installed folium package.
set -euo pipefail

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
ROOT="$(cd "$(dirname "$SELF")/.." && pwd)"
cd "$ROOT"

PKG=scripts/assets-package.json
LOCK=scripts/assets-package-lock.json
NPM_DIR=var/npm
NM="$NPM_DIR/node_modules"
VENDOR=static/vendor
START_NS=$(date +%s%N)

die() { echo "install_assets: $*" >&2; exit 1; }

PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
FOLIUM_DIR="$("$PYTHON" -c 'import importlib.util as u, os; s = u.find_spec("folium"); print(os.path.dirname(s.origin) if s else "")')" \
  || die "cannot run $PYTHON"
[ -n "$FOLIUM_DIR" ] || die "folium is not installed for $PYTHON"
HEAT_JS="$FOLIUM_DIR/templates/leaflet_heat.min.js"
[ -f "$HEAT_JS" ] || die "folium's bundled $HEAT_JS is missing"
[ -f "$PKG" ] && [ -f "$LOCK" ] || die "$PKG or $LOCK is missing"

STAMP="$(cat "$PKG" "$LOCK" "$SELF" "$HEAT_JS" | sha256sum | cut -d' ' -f1)"
if [ -f "$VENDOR/.stamp" ] && [ "$(cat "$VENDOR/.stamp")" = "$STAMP" ]; then
  echo "install_assets: $VENDOR is up to date ($(find "$VENDOR" -type f | wc -l) files)"
  exit 0
fi

command -v npm >/dev/null || die "npm is not installed (apt-get install -y npm)"
mkdir -p "$NPM_DIR"
cp "$PKG" "$NPM_DIR/package.json"
cp "$LOCK" "$NPM_DIR/package-lock.json"
npm ci --prefix "$NPM_DIR" --no-audit --no-fund --ignore-scripts --loglevel=error \
  || die "npm ci failed"

# Build into a fresh folder and swap it in at the end, so a failure never leaves a half-filled vendor dir.
NEW="$VENDOR.new.$$"
rm -rf "$NEW"
trap 'rm -rf "$NEW"' EXIT

# put DEST_DIR SRC... : copy files (or whole folders) into $NEW/DEST_DIR, failing on any missing source.
put() {
  local dest="$NEW/$1"; shift
  mkdir -p "$dest"
  local src
  for src in "$@"; do
    [ -e "$src" ] || die "missing $src"
    cp -R "$src" "$dest/"
  done
}

put leaflet          "$NM/leaflet/dist/leaflet.js" "$NM/leaflet/dist/leaflet.css" "$NM/leaflet/dist/images"
put jquery           "$NM/jquery/dist/jquery.min.js"
put bootstrap/css    "$NM/bootstrap/dist/css/bootstrap.min.css"
put bootstrap/js     "$NM/bootstrap/dist/js/bootstrap.bundle.min.js"
# all.min.css loads its fonts from ../webfonts/
put fontawesome/css  "$NM/@fortawesome/fontawesome-free/css/all.min.css"
put fontawesome      "$NM/@fortawesome/fontawesome-free/webfonts"
put awesome-markers  "$NM/leaflet.awesome-markers/dist/leaflet.awesome-markers.js" \
                     "$NM/leaflet.awesome-markers/dist/leaflet.awesome-markers.css" \
                     "$NM/leaflet.awesome-markers/dist/images"
# This package's bootstrap.min.css is a Bootstrap 3 customizer build holding only the glyphicons.
put glyphicons/css   "$NM/glyphicons-only-bootstrap/css/bootstrap.min.css"
mv "$NEW/glyphicons/css/bootstrap.min.css" "$NEW/glyphicons/css/bootstrap-glyphicons.min.css"
put glyphicons       "$NM/glyphicons-only-bootstrap/fonts"
put markercluster    "$NM/leaflet.markercluster/dist/leaflet.markercluster.js" \
                     "$NM/leaflet.markercluster/dist/MarkerCluster.css" \
                     "$NM/leaflet.markercluster/dist/MarkerCluster.Default.css"
put vectorgrid       "$NM/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.js"
put chartjs          "$NM/chart.js/dist/chart.umd.js"
put fullscreen       "$NM/leaflet.fullscreen/Control.FullScreen.js" \
                     "$NM/leaflet.fullscreen/Control.FullScreen.css" \
                     "$NM/leaflet.fullscreen/icon-fullscreen.svg"
put locatecontrol    "$NM/leaflet.locatecontrol/dist/L.Control.Locate.min.js" \
                     "$NM/leaflet.locatecontrol/dist/L.Control.Locate.min.css"
put mouseposition    "$NM/leaflet-mouse-position/src/L.Control.MousePosition.js" \
                     "$NM/leaflet-mouse-position/src/L.Control.MousePosition.css"
put folium           "$HEAT_JS"

# folium's leaflet.awesome.rotate.min.css is on no npm package and not in the folium wheel: we write our own
# equivalent. folium.Icon(angle=N) adds the class fa-rotate-N to the icon; N is an integer in 0..359.
{
  echo "/* Rotation classes for folium.Icon(angle=N); written by scripts/install_assets.sh. */"
  for deg in $(seq 0 359); do
    printf '.fa-rotate-%d{transform:rotate(%ddeg)}' "$deg" "$deg"
  done
  echo
} > "$NEW/folium/leaflet.awesome.rotate.min.css"

echo "$STAMP" > "$NEW/.stamp"
rm -rf "$VENDOR"
mv "$NEW" "$VENDOR"
trap - EXIT

ELAPSED_MS=$(( ($(date +%s%N) - START_NS) / 1000000 ))
echo "install_assets: installed $(find "$VENDOR" -type f | wc -l) files" \
  "($(du -sh "$VENDOR" | cut -f1)) into $VENDOR in ${ELAPSED_MS} ms:"
sed -n 's/^    "\(.*\)": "\(.*\)",\{0,1\}$/  \1 \2/p' "$PKG"
