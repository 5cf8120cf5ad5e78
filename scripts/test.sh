#!/usr/bin/env bash
# Runs every test of the project from a fresh machine: installs what the tests need when it is
# missing (Debian's etcd-server, etcd-client, postgresql and pgbouncer packages), then builds and verifies all modules.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
if ! command -v etcd >/dev/null 2>&1 && [ ! -x /usr/bin/etcd ]; then
  missing+=(etcd-server)
fi
# etcdctl, next to etcd: enables authentication, and checks `etcdctl elect` sees our leader
if [ ! -x /usr/bin/etcdctl ]; then
  missing+=(etcd-client)
fi
# the PostgreSQL tests start a private server of Debian's binaries (initdb, postgres)
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && [ -z "${PG_BIN:-}" ]; then
  missing+=(postgresql)
fi
# and one PgBouncer, in front of it
if [ ! -x /usr/sbin/pgbouncer ]; then
  missing+=(pgbouncer)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing what the tests need: ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing ${missing[*]} and no apt-get: install etcd and etcdctl (3.4+) and the" \
      "PostgreSQL server (initdb and postgres; set PG_BIN to their directory) and pgbouncer" >&2
  fi
fi

# -T 2: modules that do not depend on each other build and test at once (the backends, the
# campaign and the command line). Their tests mostly wait on stores and timers, so two at a time
# halve the wall-clock time on 2 cores (about 14 min instead of 22) without starving either.
exec mvn -B -ntp -T 2 verify "$@"
