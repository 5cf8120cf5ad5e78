#!/usr/bin/env bash
# Benchmarks side by side with the raw clients (election-benchmarks; issue 8).
#
#   bash scripts/bench.sh            # full run: 17 min 45 s (2026-12-02, fresh clone of 2fda685,
#                                    # build included, idle 2-core machine)
#   bash scripts/bench.sh --quick    # fewer runs: about 6 min for --only=P1,P4 on ZooKeeper and etcd
#   options: --only=P1,P2,P3,P4  --stores=zookeeper,etcd,kubernetes,postgresql  --out=FILE
#            --p1-runs=N  --p3-load=N (busy threads of P3's loaded rounds; 0: none)
#            --p4-large=N (P4's large run, 10,000 elections on ZooKeeper and etcd; 0: none)
#
# Where the time goes (the full run above): build 29 s; P3 28 s; ZooKeeper 4 min 56 s (P4 3 min
# 18 s: 10,000 elections took 38 s (ours) and 21 s (Curator) to lead); etcd 4 min 31 s (P4 2 min
# 43 s); Kubernetes and PostgreSQL the rest. --p4-large=0 leaves out the 10,000-election runs.
#
# Builds the benchmark module and the modules it needs (tests skipped), then runs the harness,
# which starts every store on 127.0.0.1 itself (ZooKeeper in-process, etcd as a child process of
# /usr/bin/etcd, Kubernetes as fabric8's mock API server, PostgreSQL as a child process of
# Debian's server binaries), prints Markdown tables with the verdict on each target, and writes
# election-benchmarks/target/benchmarks.json (and .md).
# Needs Java 17, Maven 3.8, etcd (Debian: apt-get install etcd-server) and the PostgreSQL server
# (Debian: apt-get install postgresql; or PG_BIN=<directory of initdb and postgres>).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v etcd >/dev/null 2>&1 && [ ! -x /usr/bin/etcd ]; then
  echo "bench: etcd is not installed (Debian/Ubuntu: apt-get install -y etcd-server);" \
       "the etcd figures will be missing" >&2
fi
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && [ -z "${PG_BIN:-}" ]; then
  echo "bench: the PostgreSQL server is not installed (Debian/Ubuntu: apt-get install -y" \
       "postgresql);" "the postgresql figures will be missing" >&2
fi

mvn -B -q -Pbench -pl election-benchmarks -am -DskipTests package

cd election-benchmarks
mkdir -p target/tmp target/bench-logs
exec java -Djava.io.tmpdir=target/tmp -Dbench.logs=target/bench-logs \
  -cp "target/classes:target/lib/*" io.github.election.benchmarks.Bench "$@"
