package io.github.election.cli;

import io.github.election.ElectionBackends;
import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.SettingValues;
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

  @Option(names = "--priority", paramLabel = "N", defaultValue = "0",
      description = "This candidate's priority, 0 or more; the higher is preferred when several "
          + "can lead: it takes over on a resign, close or failover (default: ${DEFAULT-VALUE})")
  String priority;

  @Option(names = "--preemptive", paramLabel = "DURATION", arity = "0..1",
      fallbackValue = PREEMPT_AFTER_LEASE,
      description = "While leading, hand over to a candidate of higher priority once it has been "
          + "open for DURATION (default with no value: the lease duration D); without this "
          + "option a leader never steps down for priority alone")
  String preemptive;

  @Option(names = "--connect-timeout", paramLabel = "T", defaultValue = "30s",
      description = "How long to wait for the store's first answer (default: ${DEFAULT-VALUE})")
  Duration connectTimeout;

  /** The fallback value of {@code --preemptive} given without a duration. */
  static final String PREEMPT_AFTER_LEASE = "lease-duration";

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
    LeaderElection.Builder b = LeaderElection.builder(store).name(election).identity(identity())
        .leaseDuration(leaseDuration).renewDeadline(renewDeadline).retryPeriod(retryPeriod)
        .priority(priority());
    Duration preemptAfter = preemptAfter();
    return preemptAfter == null ? b : b.preemptAfter(preemptAfter);
  }

  /**
   * The value of {@code --priority}.
   *
   * @throws IllegalArgumentException naming the option and the value when it is not a whole
   *     number from 0 to 2147483647
   */
  int priority() {
    String text = priority == null ? "0" : priority.trim();
    int value;
    try {
      value = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--priority '" + SettingValues.printable(priority)
          + "' is not a whole number from 0 to " + Integer.MAX_VALUE);
    }
    if (value < 0) {
      throw new IllegalArgumentException("--priority must be 0 or more (0 is the default and "
          + "the lowest), got " + value);
    }
    return value;
  }

  /**
   * The value of {@code --preemptive}: null without the option, the lease duration when given
   * without a value.
   *
   * @throws IllegalArgumentException naming the option and the value when it is no duration,
   *     negative or longer than one day
   */
  Duration preemptAfter() {
    if (preemptive == null) {
      return null;
    }
    if (preemptive.equals(PREEMPT_AFTER_LEASE)) {
      return leaseDuration;
    }
    Duration d = SettingValues.parseDuration(preemptive, "--preemptive");
    if (d.isNegative()) {
      throw new IllegalArgumentException("--preemptive must not be negative, got "
          + SettingValues.printable(preemptive));
    }
    return SettingValues.requireAtMostMaxDuration(d, "--preemptive");
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
