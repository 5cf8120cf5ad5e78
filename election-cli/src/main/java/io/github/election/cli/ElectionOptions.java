package io.github.election.cli;

import io.github.election.ElectionBackends;
import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.spi.ElectionBackend;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options every command that takes part in an election shares. */
final class ElectionOptions {

  @Mixin
  BackendOptions backend;

  @Option(names = "--election", required = true, paramLabel = "NAME",
      description = "The election's name")
  String election;

  @Option(names = "--identity", paramLabel = "ID",
      description = "This candidate's identity (default: host name and a random suffix)")
  String identity;

  @Option(names = "--lease-duration", paramLabel = "D", defaultValue = "15s",
      description = "Lease duration D (default: ${DEFAULT-VALUE})")
  Duration leaseDuration;

  @Option(names = "--renew-deadline", paramLabel = "R", defaultValue = "10s",
      description = "Renew deadline R (default: ${DEFAULT-VALUE})")
  Duration renewDeadline;

  @Option(names = "--retry-period", paramLabel = "P", defaultValue = "2s",
      description = "Retry period P (default: ${DEFAULT-VALUE})")
  Duration retryPeriod;

  @Option(names = "--connect-timeout", paramLabel = "T", defaultValue = "30s",
      description = "How long to wait for the store's first answer (default: ${DEFAULT-VALUE})")
  Duration connectTimeout;

  ElectionBackend open() {
    return ElectionBackends.open(backend.required());
  }

  /** The identity given, else the library's default, made once per command. */
  String identity() {
    if (identity == null) {
      identity = LeaderElection.defaultIdentity();
    }
    return identity;
  }

  LeaderElection.Builder builder(ElectionBackend store) {
    return LeaderElection.builder(store).name(election).identity(identity())
        .leaseDuration(leaseDuration).renewDeadline(renewDeadline).retryPeriod(retryPeriod);
  }

  /**
   * Waits for the store's first answer, showing progress each second on {@code err}.
   *
   * @return false if it did not come within the connect timeout
   */
  boolean awaitFirstAnswer(LeaderElection election, PrintWriter err) throws InterruptedException {
    long end = System.nanoTime() + connectTimeout.toNanos();
    long waited = 0;
    while (System.nanoTime() < end) {
      if (election.await(e -> e.state() != LeadershipState.UNKNOWN, Duration.ofSeconds(1))) {
        return true;
      }
      waited++;
      err.printf("elect: waiting for %s (%ds of %ds)%n", backend.shown(), waited,
          connectTimeout.toSeconds());
      err.flush();
    }
    err.printf("elect: no answer from %s within %s; is the store running and reachable?%n",
        backend.shown(), connectTimeout);
    err.flush();
    return false;
  }

  static String describe(LeadershipEvent e) {
    return e.state() + (e.leader().isPresent() ? " leader=" + e.leader().get() : "")
        + (e.term() == LeadershipEvent.NO_TERM ? "" : " term=" + e.term());
  }
}
