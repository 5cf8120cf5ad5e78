#!/usr/bin/env bash
# Runs every test of the project from a fresh machine: installs what the tests need when it is
# missing (Debian's etcd-server for the etcd backend), then builds and verifies all modules.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v etcd >/dev/null 2>&1 && [ ! -x /usr/bin/etcd ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "etcd not found: installing Debian's etcd-server" >&2
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq etcd-server >/dev/null
  else
    echo "etcd not found and no apt-get: install etcd (3.4+) so that 'etcd' is on PATH" >&2
  fi
fi

exec mvn -B -ntp verify "$@"
