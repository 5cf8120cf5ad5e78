package io.github.election.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * The validated settings of one candidate, as the builder of {@code LeaderElection} hands them
 * to a backend: the election's name, the candidate's identity, and the three durations.
 *
 * <p>The constructor enforces {@code 0 < retryPeriod < renewDeadline < leaseDuration}, so a
 * backend never sees an inconsistent set. Immutable and thread-safe.
 */
public final class ElectionSettings {

  private final String name;
  private final String identity;
  private final Duration leaseDuration;
  private final Duration renewDeadline;
  private final Duration retryPeriod;

  /**
   * Creates and validates a set of settings.
   *
   * @throws NullPointerException if an argument is null, naming it
   * @throws IllegalArgumentException if a name is blank or a duration is not positive, or if
   *     the durations are not ordered {@code retryPeriod < renewDeadline < leaseDuration}; the
   *     message names the setting and its value
   */
  public ElectionSettings(String name, String identity, Duration leaseDuration,
      Duration renewDeadline, Duration retryPeriod) {
    this.name = requireText(name, "name");
    this.identity = requireText(identity, "identity");
    this.leaseDuration = requirePositive(leaseDuration, "leaseDuration");
    this.renewDeadline = requirePositive(renewDeadline, "renewDeadline");
    this.retryPeriod = requirePositive(retryPeriod, "retryPeriod");
    if (renewDeadline.compareTo(leaseDuration) >= 0) {
      throw new IllegalArgumentException("renewDeadline (" + format(renewDeadline)
          + ") must be shorter than leaseDuration (" + format(leaseDuration) + ")");
    }
    if (retryPeriod.compareTo(renewDeadline) >= 0) {
      throw new IllegalArgumentException("retryPeriod (" + format(retryPeriod)
          + ") must be shorter than renewDeadline (" + format(renewDeadline) + ")");
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
   * Checks that {@code value} is neither null nor blank.
   *
   * @return value
   * @throws NullPointerException naming the setting when value is null
   * @throws IllegalArgumentException naming the setting when value is blank
   */
  public static String requireText(String value, String setting) {
    Objects.requireNonNull(value, setting);
    if (value.isBlank()) {
      throw new IllegalArgumentException(setting + " must not be blank, got '" + value + "'");
    }
    return value;
  }

  /**
   * Checks that {@code value} is a positive duration.
   *
   * @return value
   * @throws NullPointerException naming the setting when value is null
   * @throws IllegalArgumentException naming the setting and value when it is zero or negative
   */
  public static Duration requirePositive(Duration value, String setting) {
    Objects.requireNonNull(value, setting);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(setting + " must be positive, got " + format(value));
    }
    return value;
  }

  /**
   * Reads a duration as people and URIs write it: {@code 250ms}, {@code 15s}, {@code 1.5s},
   * {@code 2m}, {@code 1h}, or ISO-8601 ({@code PT15S}).
   *
   * @param setting the name of the setting, for the error message
   * @throws IllegalArgumentException naming the setting and the text when it is no duration
   */
  public static Duration parseDuration(String text, String setting) {
    Objects.requireNonNull(text, setting);
    String t = text.trim();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)")
        .matcher(t);
    try {
      if (m.matches()) {
        java.math.BigDecimal amount = new java.math.BigDecimal(m.group(1));
        long unitNanos;
        switch (m.group(2)) {
          case "ns": unitNanos = 1L; break;
          case "us": unitNanos = 1_000L; break;
          case "ms": unitNanos = 1_000_000L; break;
          case "s": unitNanos = 1_000_000_000L; break;
          case "m": unitNanos = 60_000_000_000L; break;
          default: unitNanos = 3_600_000_000_000L; break;
        }
        return Duration.ofNanos(amount.multiply(java.math.BigDecimal.valueOf(unitNanos))
            .longValueExact());
      }
      return Duration.parse(t);
    } catch (ArithmeticException | java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException(setting + " '" + text
          + "' is not a duration; write it like 250ms, 15s, 1.5s, 2m or PT15S", e);
    }
  }

  /** Formats a duration the way the error messages show it: {@code 15s}, {@code 250ms}, {@code 1.5s}. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    long nanos;
    try {
      nanos = d.toNanos();
    } catch (ArithmeticException overflow) {
      return d.toString();
    }
    if (nanos % 1_000_000_000L == 0) {
      return nanos / 1_000_000_000L + "s";
    }
    if (Math.abs(nanos) >= 1_000_000_000L && nanos % 1_000_000L == 0) {
      return java.math.BigDecimal.valueOf(nanos / 1_000_000L, 3).stripTrailingZeros().toPlainString() + "s";
    }
    if (nanos % 1_000_000L == 0) {
      return nanos / 1_000_000L + "ms";
    }
    if (nanos % 1_000L == 0) {
      return nanos / 1_000L + "us";
    }
    return nanos + "ns";
  }

  @Override
  public String toString() {
    return "ElectionSettings{name=" + name + ", identity=" + identity
        + ", leaseDuration=" + format(leaseDuration) + ", renewDeadline=" + format(renewDeadline)
        + ", retryPeriod=" + format(retryPeriod) + "}";
  }
}
