package io.github.election.testing;

import io.github.election.LeaderElection;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.SettingValues;
import java.time.Duration;

/**
 * The lease duration D, renew deadline R and retry period P that a fixture's store can honour,
 * and the kit's bounds for "at once". The kit builds its candidates with these; tests about
 * timing derive their bounds from them.
 *
 * @param leaseDuration D
 * @param renewDeadline R, shorter than D
 * @param retryPeriod P, shorter than R
 * @param handover how long one round trip plus one change notification of the store may take
 *     at most on a test machine (rule L2); must be well below P so that waiting for P fails it
 * @param recovery how long a client of this store may take, once a fault of its own or of the
 *     store healed, to reach the store again and have a round answered: reconnecting plus one
 *     round trip (rule F4, whose bound is P plus this); at least {@code handover}, at most D
 */
public record Timings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod,
    Duration handover, Duration recovery) {

  /** Validates the order of the durations, as the election builder does. */
  public Timings {
    new ElectionSettings("timings", "timings", leaseDuration, renewDeadline, retryPeriod);
    SettingValues.requirePositive(handover, "handover");
    SettingValues.requirePositive(recovery, "recovery");
    if (recovery.compareTo(handover) < 0 || recovery.compareTo(leaseDuration) > 0) {
      throw new IllegalArgumentException("recovery (" + SettingValues.format(recovery)
          + ") must be between handover (" + SettingValues.format(handover)
          + ") and leaseDuration (" + SettingValues.format(leaseDuration)
          + "): rule F4 allows P + recovery, never more than D + P");
    }
  }

  /** Timings whose recovery bound is the handover bound: the client reconnects at once. */
  public Timings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod,
      Duration handover) {
    this(leaseDuration, renewDeadline, retryPeriod, handover, handover);
  }

  /** Applies D, R and P to a builder. */
  public LeaderElection.Builder applyTo(LeaderElection.Builder builder) {
    return builder.leaseDuration(leaseDuration).renewDeadline(renewDeadline)
        .retryPeriod(retryPeriod);
  }

  /** The same timings with another retry period. */
  public Timings withRetryPeriod(Duration p) {
    return new Timings(leaseDuration, renewDeadline, p, handover, recovery);
  }

  /** The same timings with another recovery bound. */
  public Timings withRecovery(Duration r) {
    return new Timings(leaseDuration, renewDeadline, retryPeriod, handover, r);
  }

  /** P + recovery: the bound of rule F4. */
  public Duration recoveryBound() {
    return retryPeriod.plus(recovery);
  }

  /** D + P: the bound of rules L1, L3 and L4. */
  public Duration electionBound() {
    return leaseDuration.plus(retryPeriod);
  }
}
