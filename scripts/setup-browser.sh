#!/usr/bin/env bash
# Installs the browser the end-to-end tests drive: Debian's chromium (playwright-core talks to it; its
# own browser download cannot work here). Needs apt-get, as root or with sudo.
set -euo pipefail
BROWSER=/usr/bin/chromium
if [ -x "$BROWSER" ]; then
  "$BROWSER" --version >&2 2>/dev/null || true
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-browser: no apt-get here: install Chromium at $BROWSER with your package manager" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "setup-browser: chromium is missing and this user cannot install it (apt-get install chromium)" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup-browser: installing chromium from Debian" >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
"$BROWSER" --version >&2
