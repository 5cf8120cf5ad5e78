/**
 * Micrometer metrics of leader elections: {@link io.github.election.micrometer.LeaderElectionMetrics},
 * a {@code MeterBinder} for one or many elections.
 */
module io.github.election.micrometer {
  requires transitive io.github.election;
  requires transitive micrometer.core;

  exports io.github.election.micrometer;
}
