package io.github.election.spi;

import java.time.Duration;

/**
 * The validated settings of one candidate, as the builder of {@code LeaderElection} hands them
 * to a backend: the election's name, the candidate's identity, the three durations and the
 * candidate's priority.
 *
 * <p>The constructor enforces every rule the engine needs, so a backend never sees a set that
 * breaks one: {@code 0 < retryPeriod < renewDeadline < leaseDuration <= }{@link #MAX_DURATION};
 * a name of at most {@link #MAX_NAME_LENGTH} and an identity of at most {@link
 * #MAX_IDENTITY_LENGTH} characters, neither blank nor with a {@linkplain
 * SettingValues#isForbiddenChar control, line separator or bidirectional formatting character} (names and identities are
 * written into every log line of a candidate). What a particular store accepts on top of that
 * (a Kubernetes Lease name, a ZooKeeper node name) its backend checks in {@link
 * ElectionBackend#validate}. {@link SettingValues} has the checks the builder uses, for backends
 * to use on their own settings. Immutable and thread-safe.
 */
public final class ElectionSettings {

  /**
   * The longest election name, in characters: 253, the longest name of a Kubernetes Lease (a
   * DNS-1123 subdomain), so that a name works on every store. ZooKeeper and etcd take longer
   * keys, but a name that reaches their request limits (ZooKeeper's {@code jute.maxbuffer}, 1 MB,
   * closes the whole connection, and with it every election on it) must be refused early.
   */
  public static final int MAX_NAME_LENGTH = 253;

  /**
   * The longest candidate identity, in characters: 1024. Stores keep it as the value of a key or
   * a Lease's {@code holderIdentity} and have no small limit of their own; host and pod names
   * (at most 253) with a suffix fit with room to spare, and every log line of the candidate
   * carries it.
   */
  public static final int MAX_IDENTITY_LENGTH = 1024;

  /**
   * The longest lease duration, renew deadline, retry period (and drain timeout): one day. A
   * leader that dies keeps the election for up to D, so a longer D is a mistake. The engine
   * counts deadlines as {@code long} nanosecond readings and compares their differences, which
   * are right while they stay below about 292 years; deadlines a few days ahead at most stay
   * 100 000 times below that, and {@code toNanos()} never overflows. One day is also within
   * every store's range: a Kubernetes {@code leaseDurationSeconds} is an int32, an etcd lease
   * TTL at most 9e9 s, a ZooKeeper session timeout an int of milliseconds (24.8 days) that the
   * server caps far lower.
   */
  public static final Duration MAX_DURATION = Duration.ofDays(1);

  private final String name;
  private final String identity;
  private final Duration leaseDuration;
  private final Duration renewDeadline;
  private final Duration retryPeriod;
  private final int priority;

  /**
   * Creates and validates a set of settings of a candidate of priority 0 (the default).
   *
   * @throws NullPointerException if an argument is null, naming it
   * @throws IllegalArgumentException as {@link #ElectionSettings(String, String, Duration,
   *     Duration, Duration, int)}
   */
  public ElectionSettings(String name, String identity, Duration leaseDuration,
      Duration renewDeadline, Duration retryPeriod) {
    this(name, identity, leaseDuration, renewDeadline, retryPeriod, 0);
  }

  /**
   * Creates and validates a set of settings.
   *
   * @throws NullPointerException if an argument is null, naming it
   * @throws IllegalArgumentException if the name or identity is blank, too long ({@link
   *     #MAX_NAME_LENGTH}, {@link #MAX_IDENTITY_LENGTH}) or holds a forbidden character, if a
   *     duration is not positive or longer than {@link #MAX_DURATION}, or if the durations are
   *     not ordered {@code retryPeriod < renewDeadline < leaseDuration}, or if the priority is
   *     negative; the message names the setting and its value
   */
  public ElectionSettings(String name, String identity, Duration leaseDuration,
      Duration renewDeadline, Duration retryPeriod, int priority) {
    this.priority = SettingValues.requirePriority(priority, "priority");
    this.name = SettingValues.requireText(name, "name", MAX_NAME_LENGTH);
    this.identity = SettingValues.requireText(identity, "identity", MAX_IDENTITY_LENGTH);
    this.leaseDuration = SettingValues.requireDuration(leaseDuration, "leaseDuration");
    this.renewDeadline = SettingValues.requireDuration(renewDeadline, "renewDeadline");
    this.retryPeriod = SettingValues.requireDuration(retryPeriod, "retryPeriod");
    if (renewDeadline.compareTo(leaseDuration) >= 0) {
      throw new IllegalArgumentException("renewDeadline (" + SettingValues.format(renewDeadline)
          + ") must be shorter than leaseDuration (" + SettingValues.format(leaseDuration) + ")");
    }
    if (retryPeriod.compareTo(renewDeadline) >= 0) {
      throw new IllegalArgumentException("retryPeriod (" + SettingValues.format(retryPeriod)
          + ") must be shorter than renewDeadline (" + SettingValues.format(renewDeadline) + ")");
    }
  }

  /** The election's name, as the user gave it. */
  public String name() {
    return name;
  }

  /** The candidate's identity, as the user gave it (or the default). */
  public String identity() {
    return identity;
  }

  /**
   * D: how long the store keeps a leader's lease after its last renewal. Other candidates may
   * take over once a lease this old has not been renewed.
   */
  public Duration leaseDuration() {
    return leaseDuration;
  }

  /**
   * R: how long a leader stays {@code LEADER} after the send time of its last confirmed renewal.
   * Shorter than D by the margin that covers clock drift.
   */
  public Duration renewDeadline() {
    return renewDeadline;
  }

  /** P: the interval between two rounds with the store (renewals, and looks of followers). */
  public Duration retryPeriod() {
    return retryPeriod;
  }

  /**
   * The candidate's priority: 0 (the default, the lowest) or more; a higher one is preferred
   * when several candidates are free to lead. A backend publishes it with the candidacy, so that
   * {@link ElectionBackend#candidates} lists it.
   */
  public int priority() {
    return priority;
  }

  @Override
  public String toString() {
    return "ElectionSettings{name=" + name + ", identity=" + identity
        + ", leaseDuration=" + SettingValues.format(leaseDuration)
        + ", renewDeadline=" + SettingValues.format(renewDeadline)
        + ", retryPeriod=" + SettingValues.format(retryPeriod)
        + (priority == 0 ? "" : ", priority=" + priority) + "}";
  }
}
