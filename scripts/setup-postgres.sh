#!/usr/bin/env bash
# Installs PostgreSQL's server binaries from Debian (15 on Debian 12) when they are missing: the test suite
# runs the store and job-layer contracts on PostgreSQL too, and the multi-process tests share one.
# Debian's system cluster is not started (it is stopped if installing started it): the tests make their
# own throwaway cluster in a temporary directory, on loopback, on a free port (test/postgres-helpers.ts).
# Needs apt-get, as root or with sudo.
set -euo pipefail
found() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; }
version() { "$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/postgres" --version 2>/dev/null || postgres --version; }
if found; then
  version >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-postgres: no apt-get here: install the PostgreSQL server (initdb, pg_ctl) with your package manager" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup-postgres: installing postgresql from Debian" >&2
$SUDO apt-get update -qq >/dev/null
# policy-rc.d 101 keeps the package scripts from starting the system cluster where there is no systemd.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null && $SUDO chmod +x "$POLICY"
  trap '$SUDO rm -f "$POLICY"' EXIT
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
(command -v systemctl >/dev/null && $SUDO systemctl disable --now postgresql >/dev/null 2>&1) || true
version >&2
