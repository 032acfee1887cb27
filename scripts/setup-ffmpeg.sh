#!/usr/bin/env bash
# Installs a maintained decoder: Debian's ffmpeg (5.1 on Debian 12, with dav1d for AV1 and HEVC), which
# vdna prefers over the static 2018 build its npm dependencies bring. Needs apt-get, as root or with sudo.
set -euo pipefail
if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
  ffmpeg -hide_banner -version | head -1 >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-ffmpeg: no apt-get here: install ffmpeg 5 or newer with your package manager (vdna falls back to the bundled 2018 build)" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup-ffmpeg: installing ffmpeg from Debian" >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
ffmpeg -hide_banner -version | head -1 >&2
