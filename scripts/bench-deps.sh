#!/usr/bin/env bash
# What the accuracy benchmark compares against, from Debian's packages: Chromaprint's fpcalc.
set -euo pipefail
if ! command -v fpcalc >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "bench-deps: installing libchromaprint-tools (fpcalc) from Debian" >&2
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libchromaprint-tools >/dev/null
fi
