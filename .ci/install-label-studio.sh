#!/usr/bin/env bash
# Install the Label Studio server in its own venv (never the project's venv:
# it pins numpy 2.2 and pyarrow < 25, which would downgrade the project), from the
# committed resolution in .ci/label-studio-constraints.txt, and keep the venv only
# once the server has started and answered on loopback.
#
# Usage: .ci/install-label-studio.sh [--refresh | --check] [VENV_DIR]
#   (default VENV_DIR: $NKW_LS_VENV or .cache/ls-venv)
#   --check    only start the server of an existing venv on loopback and stop it
#   --refresh  resolve label-studio afresh (plus REFRESH_SPECS below), check that the
#              server starts, and rewrite the constraints file from that venv.
# Exit 1 with one line on stderr when the server cannot be installed or does not start;
# a venv that does not start is removed, so the next run installs again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
constraints="$here/.ci/label-studio-constraints.txt"
version="1.23.2"
# Specifiers a fresh resolution needs on top of label-studio's own (why: see the constraints file).
REFRESH_SPECS=("sentry-sdk<3")
refresh=0
check_only=0
case "${1:-}" in
    --refresh) refresh=1; shift ;;
    --check) check_only=1; shift ;;
esac
venv="${1:-${NKW_LS_VENV:-$here/.cache/ls-venv}}"
python="${PYTHON:-python3}"
marker="$venv/.nkw-verified"
log="${venv%/}.install.log"  # kept beside the venv: what pip and the start check said
mkdir -p "$(dirname "$venv")" && : >"$log"

fail() {
    echo "install-label-studio: $1 (log: $2)" >&2
    exit 1
}

digest() { sha256sum "$constraints" | cut -d' ' -f1; }

# Start the server on a free loopback port with a throwaway data dir and HOME, and wait
# until its /version endpoint answers (a server that dies at start fails here, not in a test).
starts() {
    "$1/bin/python" - "$1" <<'PY'
import os, signal, socket, subprocess, sys, tempfile, time, urllib.request
venv = sys.argv[1]
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
work = tempfile.mkdtemp(prefix="nkw-ls-check-")
env = {**os.environ, "HOME": work, "LABEL_STUDIO_BASE_DATA_DIR": os.path.join(work, "data")}
env.pop("VIRTUAL_ENV", None)
cmd = [os.path.join(venv, "bin", "label-studio"), "start", "--internal-host", "127.0.0.1",
       "--port", str(port), "--no-browser"]
log = open(os.path.join(work, "server.log"), "wb")
proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
deadline = time.monotonic() + 240
ok = False
try:
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/version", timeout=5) as r:
                ok = r.status == 200
                break
        except OSError:
            time.sleep(1)
finally:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except Exception:
        os.killpg(proc.pid, signal.SIGKILL)
if not ok:
    tail = open(os.path.join(work, "server.log"), "rb").read()[-400:].decode(errors="replace")
    last = [line for line in tail.splitlines() if line.strip()][-1:] or ["(no output)"]
    print(f"the server did not answer on 127.0.0.1:{port}: {last[0]}", file=sys.stderr)
    sys.exit(1)
PY
}

install() {  # install into $1; $2 = constraints file or "" for a fresh resolution
    rm -rf "$1"
    "$python" -m venv "$1" >>"$log" 2>&1 || fail "could not create a venv at $1" "$log"
    local specs=("label-studio==$version")
    if [ -n "$2" ]; then specs+=(-c "$2"); else specs+=("${REFRESH_SPECS[@]}"); fi
    if command -v uv >/dev/null 2>&1; then
        uv pip install --python "$1/bin/python" "${specs[@]}" >>"$log" 2>&1
    else
        "$1/bin/pip" install --quiet "${specs[@]}" >>"$log" 2>&1
    fi || { rm -rf "$1"; fail "pip could not install label-studio $version into $1" "$log"; }
}

if [ "$check_only" = 1 ]; then
    [ -x "$venv/bin/label-studio" ] || fail "no label-studio in $venv; run this script without --check" "$log"
    starts "$venv" 2>>"$log" || fail "label-studio in $venv does not start: $(tail -n 1 "$log")" "$log"
    echo "label-studio in $venv started on loopback"
    exit 0
fi

if [ "$refresh" = 1 ]; then
    fresh="$venv.refresh"
    install "$fresh" ""
    if ! starts "$fresh" 2>>"$log"; then
        rm -rf "$fresh"
        fail "a fresh resolution of label-studio $version does not start; add a specifier to REFRESH_SPECS" "$log"
    fi
    { grep '^#' "$constraints"; "$fresh/bin/pip" freeze; } >"$constraints.new"
    sed -i "s/^# Resolved .*/# Resolved $(date +%F) with $("$fresh/bin/python" --version) (pip freeze)./" "$constraints.new"
    mv "$constraints.new" "$constraints"
    rm -rf "$venv" && mv "$fresh" "$venv"
    digest >"$marker"
    echo "label-studio $version resolved afresh, started, and pinned in $constraints"
    exit 0
fi

if [ -x "$venv/bin/label-studio" ] && [ "$(cat "$marker" 2>/dev/null)" = "$(digest)" ]; then
    echo "label-studio $version already installed and checked in $venv"
    exit 0
fi
# A venv without the marker is one that never started (or of other constraints): start over.
install "$venv" "$constraints"
if ! starts "$venv" 2>>"$log"; then
    reason="$(tail -n 1 "$log")"
    rm -rf "$venv"
    fail "label-studio $version installed but did not start ($reason); venv removed" "$log"
fi
digest >"$marker"
echo "label-studio $version installed in $venv and started on loopback"
