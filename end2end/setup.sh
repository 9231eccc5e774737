#!/usr/bin/env bash
# Installs what the end-to-end suite needs: the Python tracer apps' venv (end2end/.venv) and the npm packages
# (Playwright, dd-trace, Express, OpenTelemetry JS). Idempotent: each step is skipped while its inputs are
# unchanged. Needs only python3, node and npm; the browser is Debian's /usr/bin/chromium (not installed here).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
requirements="$here/tracers/python/requirements.txt"

log() { printf 'end2end/setup.sh: %s\n' "$*" >&2; }

digest() { sha256sum "$@" | sha256sum | cut -d' ' -f1; }

# Debian's python3 ships without ensurepip unless python3-venv is installed; then bootstrap pip from its wheel
# on PyPI (a pip wheel can run itself) instead of needing root for apt.
make_venv() {
    if python3 -m venv "$venv" 2>/dev/null; then
        return
    fi
    log "python3 -m venv failed (no ensurepip?); creating the venv without pip and bootstrapping pip from PyPI"
    rm -rf "$venv"
    python3 -m venv --without-pip "$venv"
    local tmp
    tmp="$(mktemp -d)"
    "$venv/bin/python" - "$tmp" <<'PY'
import json, sys, urllib.parse, urllib.request
index = "https://pypi.org/pypi/pip/json"
with urllib.request.urlopen(index, timeout=60) as response:
    release = json.load(response)
wheel = next(f for f in release["urls"] if f["packagetype"] == "bdist_wheel")
urllib.request.urlretrieve(urllib.parse.urljoin(index, wheel["url"]), f"{sys.argv[1]}/{wheel['filename']}")
PY
    local wheel=("$tmp"/pip-*.whl)
    "$venv/bin/python" "${wheel[0]}/pip" install --quiet --no-input "${wheel[0]}"
    rm -rf "$tmp"
}

python_stamp="$venv/.requirements.sha256"
python_want="$(digest "$requirements")"
if [[ -x "$venv/bin/python" && -f "$python_stamp" && "$(cat "$python_stamp")" == "$python_want" ]]; then
    log "python venv up to date"
else
    [[ -x "$venv/bin/python" && -x "$venv/bin/pip" ]] || make_venv
    log "installing $(basename "$requirements") into $venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements"
    echo "$python_want" > "$python_stamp"
fi

node_stamp="$here/node_modules/.stackprint-lock.sha256"
node_want="$(digest "$here/package-lock.json")"
if [[ -f "$node_stamp" && "$(cat "$node_stamp")" == "$node_want" ]]; then
    log "node_modules up to date"
else
    log "npm ci"
    (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    echo "$node_want" > "$node_stamp"
fi

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
    log "warning: $chromium not found; the browser tests need Debian's chromium (apt-get install -y chromium)"
fi
