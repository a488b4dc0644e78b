#!/bin/sh
# strace for tests/test_build_kill.py and tests/test_labelstudio_kill.py: they kill
# the real command at every rename with strace's fault injection (they skip,
# saying why, without it).
set -eu
if command -v strace >/dev/null 2>&1; then
    strace -V | head -n 1
    exit 0
fi
apt-get update
apt-get install -y strace
strace -V | head -n 1
