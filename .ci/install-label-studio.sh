#!/usr/bin/env bash
# Install the Label Studio server in its own venv (never the project's venv:
# it pins numpy 2.2 and pyarrow < 25, which would downgrade the project).
# Usage: .ci/install-label-studio.sh [VENV_DIR]   (default: $NKW_LS_VENV or .cache/ls-venv)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-${NKW_LS_VENV:-$here/.cache/ls-venv}}"
python="${PYTHON:-python3}"
if [ -x "$venv/bin/label-studio" ]; then
    echo "label-studio already installed in $venv"
    exit 0
fi
"$python" -m venv "$venv"
if command -v uv >/dev/null 2>&1; then
    uv pip install --python "$venv/bin/python" label-studio==1.23.2
else
    "$venv/bin/pip" install --quiet label-studio==1.23.2
fi
# `label-studio --version` starts a server; `version` only prints.
"$venv/bin/label-studio" version >/dev/null
echo "label-studio 1.23.2 installed in $venv"
