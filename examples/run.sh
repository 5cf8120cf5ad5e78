#!/usr/bin/env bash
# Builds and runs one of the examples (Java 17 and Maven 3.8, nothing else):
#   examples/run.sh plain [STORE-URI]   three candidates; ZooKeeper in the process unless a URI is given
#   examples/run.sh zookeeper           a ZooKeeper for the Spring Boot example; prints the two commands
#   examples/run.sh spring [ARGS...]    the Spring Boot example (--server.port=8081 '--election.backend=...')
set -euo pipefail
cd "$(dirname "$0")/.."

build() {
  echo "building $1 (mvn package, without tests; a minute or so the first time)..." >&2
  mvn -q -B -ntp -Dstyle.color=never -Dmaven.test.skip=true -Dmaven.javadoc.skip=true \
    -Dmaven.source.skip=true package -pl "$2" -am >&2
}

# -am: the modules these need come from this build (a fresh machine has none of them installed;
# the test-scoped ones, such as the compatibility kit, are needed to resolve them too)
PLAIN=examples/plain-java
case "${1:-}" in
  plain|zookeeper)
    what=$1
    shift
    build "the plain Java example" "$PLAIN"
    main=io.github.election.examples.plain.PlainJavaExample
    if [ "$what" = zookeeper ]; then main=io.github.election.examples.plain.ZooKeeperForExamples; fi
    exec java -cp "examples/plain-java/target/classes:$(cat examples/plain-java/target/classpath.txt)" \
      "$main" "$@"
    ;;
  spring)
    shift
    build "the Spring Boot example" \
      examples/spring-boot-app
    exec java -jar examples/spring-boot-app/target/election-example-spring-boot-0.1.0-SNAPSHOT.jar "$@"
    ;;
  *)
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
