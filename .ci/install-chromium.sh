#!/bin/sh
# Debian's chromium for tests/test_render.py (headless; nothing else is fetched).
set -eu
if [ -x /usr/bin/chromium ]; then
    /usr/bin/chromium --version
    exit 0
fi
apt-get update
apt-get install -y chromium chromium-driver
/usr/bin/chromium --version
