#!/usr/bin/env bash
# Benchmarks side by side with the raw clients (election-benchmarks; issue 8).
#
#   bash scripts/bench.sh            # full run: about 20 minutes on 2 cores before the 10,000-
#                                    # election runs; about 29 with them (estimate, see below)
#   bash scripts/bench.sh --quick    # fewer runs: 21 min 25 s (2026-12-02, fresh clone, build
#                                    # included, 2 cores shared with other builds, load 4-10)
#   options: --only=P1,P2,P3,P4  --stores=zookeeper,etcd,kubernetes,postgresql  --out=FILE
#            --p1-runs=N  --p3-load=N (busy threads of P3's loaded rounds; 0: none)
#            --p4-large=N (P4's large run, 10,000 elections on ZooKeeper and etcd; 0: none)
#
# Where the time goes (2026-12-02, --quick, engine before issue 16, machine loaded by other
# builds): build 1 min 41 s; P3 17 s; ZooKeeper 4 min 47 s (P4 4 min 22 s: 10,000 elections took
# 96 s (ours) and 69 s (Curator) to lead); etcd 7 min 22 s (P4 6 min 51 s: ours' 10,000 never all
# led and gave up after 180 s, then took 2 min to close (now 20 s at most); jetcd's stopped at
# 8,150 on "etcdserver: too many requests"); Kubernetes 5 min 27 s (P4 3 min 52 s, followers
# included); PostgreSQL 1 min 49 s. The full run adds about 9 minutes for the 10,000-election runs
# to the 20 it took before (not measured yet); --p4-large=0 leaves them out.
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
