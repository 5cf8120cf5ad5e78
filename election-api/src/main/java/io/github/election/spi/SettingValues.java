package io.github.election.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * Checking, reading and showing the values of settings, the one way the builder of {@code
 * LeaderElection}, the backends and the tools do it: each check names the setting and shows
 * the value (escaped, so that it cannot break a log line) in its error message.
 */
public final class SettingValues {

  /** Texts shown in an error message are cut to a prefix beyond this length. */
  private static final int MESSAGE_TEXT_MAX = 300;
  /** How much of a text that is too long to show an error message keeps. */
  private static final int MESSAGE_TEXT_PREFIX = 64;
  /** Texts given to {@link #printable} are cut beyond this length. */
  private static final int LOG_TEXT_MAX = 4096;

  private static final java.util.regex.Pattern UNIT_DURATION =
      java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)");

  private SettingValues() {
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
      throw new IllegalArgumentException(setting + " must not be blank, got " + shown(value));
    }
    return value;
  }

  /**
   * Checks that {@code value} can be written into a log line as it is: neither null nor blank,
   * at most {@code maxLength} characters, and without a {@linkplain #isForbiddenChar forbidden
   * character}. The builder checks names and identities with it.
   *
   * @return value
   * @throws NullPointerException naming the setting when value is null
   * @throws IllegalArgumentException naming the setting and showing the value (a long one by a
   *     prefix and its length; characters that could break a log line escaped) when value is
   *     blank, longer than maxLength, or holds a forbidden character
   */
  public static String requireText(String value, String setting, int maxLength) {
    requireText(value, setting);
    if (value.length() > maxLength) {
      throw new IllegalArgumentException(setting + " " + shown(value) + " is too long: "
          + value.length() + " characters, at most " + maxLength);
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (isForbiddenChar(c)) {
        throw new IllegalArgumentException(setting + " " + shown(value)
            + " must not contain control, line separator or bidirectional formatting "
            + "characters; found U+" + String.format("%04X", (int) c) + " at index " + i);
      }
    }
    return value;
  }

  /**
   * Whether a name or identity may not hold {@code c}: the ISO control characters (U+0000 to
   * U+001F, U+007F to U+009F; among them tab, line feed, carriage return and escape), the line
   * and paragraph separators U+2028 and U+2029, and the bidirectional formatting characters
   * (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), which can end a log line,
   * start a terminal control sequence, or show a line in another order than it was written.
   */
  public static boolean isForbiddenChar(char c) {
    return Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || isBidiControl(c);
  }

  private static boolean isBidiControl(char c) {
    return c == '\u061C' || c == '\u200E' || c == '\u200F' || (c >= '\u202A' && c <= '\u202E')
        || (c >= '\u2066' && c <= '\u2069');
  }

  /**
   * Whether {@code c} could break, rewrite or reorder a line of a log or terminal: line
   * terminators, backspace, shift-out and -in, escape, delete, NUL, the C1 controls, and the
   * bidirectional formatting characters. {@link #printable} escapes these; other control
   * characters (a bell, say) are invisible but harmless there.
   */
  private static boolean breaksLine(char c) {
    return c == '\0' || c == '\b' || (c >= '\n' && c <= '\r') || c == '\u000E' || c == '\u000F'
        || c == '\u001B' || (c >= '\u007F' && c <= '\u009F') || c == '\u2028' || c == '\u2029'
        || isBidiControl(c);
  }

  /**
   * A text from outside (a store's error message, a leader's identity read from the store) made
   * safe for one log line: the characters that could end the line, rewrite it on a terminal or
   * show it in another order (line feed, carriage return, escape, U+2028, bidirectional
   * overrides, ...) are written as Java escapes (a backslash and {@code n}, {@code r}, or
   * {@code u} and four hex digits), and a text longer than 4096 characters is cut to its first
   * 4096 and its length. Never null: null gives {@code "null"}.
   */
  public static String printable(String text) {
    if (text == null) {
      return "null";
    }
    if (text.length() > LOG_TEXT_MAX) {
      return escape(text.substring(0, LOG_TEXT_MAX)) + "... (" + text.length() + " characters)";
    }
    return escape(text);
  }

  /** A value for an error message: quoted, escaped, and a long one cut to a prefix and its length. */
  private static String shown(String value) {
    if (value.length() > MESSAGE_TEXT_MAX) {
      return "'" + escape(value.substring(0, MESSAGE_TEXT_PREFIX)) + "...' (" + value.length()
          + " characters)";
    }
    return "'" + escape(value) + "'";
  }

  private static String escape(String text) {
    int i = 0;
    while (i < text.length() && !breaksLine(text.charAt(i))) {
      i++;
    }
    if (i == text.length()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, i);
    for (; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (breaksLine(c)) {
        out.append(String.format("\\u%04X", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Checks that {@code value} is a positive duration that nanoseconds in a {@code long} can
   * count (shorter than about 292 years), so that {@link Duration#toNanos()} and {@link
   * Duration#toMillis()} never overflow.
   *
   * @return value
   * @throws NullPointerException naming the setting when value is null
   * @throws IllegalArgumentException naming the setting and value when it is zero, negative, or
   *     too long to count in nanoseconds
   */
  public static Duration requirePositive(Duration value, String setting) {
    Objects.requireNonNull(value, setting);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(setting + " must be positive, got " + format(value));
    }
    if (!fitsNanos(value)) {
      throw new IllegalArgumentException(setting + " must be shorter than 292 years (what a "
          + "long counts in nanoseconds), got " + format(value));
    }
    return value;
  }

  /**
   * Checks that {@code value} can be a candidate's priority: zero (the default, the lowest) or
   * more.
   *
   * @return value
   * @throws IllegalArgumentException naming the setting and value when it is negative
   */
  public static int requirePriority(int value, String setting) {
    if (value < 0) {
      throw new IllegalArgumentException(setting + " must not be negative (0 is the default and "
          + "the lowest), got " + value);
    }
    return value;
  }

  /**
   * Checks that {@code value} can be a lease duration, renew deadline or retry period: positive
   * and at most {@link ElectionSettings#MAX_DURATION}.
   *
   * @return value
   * @throws NullPointerException naming the setting when value is null
   * @throws IllegalArgumentException naming the setting and value when it is zero, negative or
   *     longer than {@link ElectionSettings#MAX_DURATION}
   */
  public static Duration requireDuration(Duration value, String setting) {
    Objects.requireNonNull(value, setting);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(setting + " must be positive, got " + format(value));
    }
    return requireAtMostMaxDuration(value, setting);
  }

  /**
   * Checks that {@code value} is not longer than {@link ElectionSettings#MAX_DURATION}.
   *
   * @return value
   * @throws NullPointerException naming the setting when value is null
   * @throws IllegalArgumentException naming the setting and value when it is longer
   */
  public static Duration requireAtMostMaxDuration(Duration value, String setting) {
    Objects.requireNonNull(value, setting);
    if (value.compareTo(ElectionSettings.MAX_DURATION) > 0) {
      throw new IllegalArgumentException(setting + " must be at most " + format(ElectionSettings.MAX_DURATION)
          + " (1 day), got " + format(value));
    }
    return value;
  }

  private static boolean fitsNanos(Duration d) {
    try {
      d.toNanos();
      return true;
    } catch (ArithmeticException overflow) {
      return false;
    }
  }

  /**
   * Reads a duration as people and URIs write it: {@code 250ms}, {@code 15s}, {@code 1.5s},
   * {@code 2m}, {@code 1h}, or ISO-8601 ({@code PT15S}). Any duration that nanoseconds in a
   * {@code long} can count (up to about 292 years) is read; whether it suits the setting is for
   * the caller to check ({@link #requireDuration}, say).
   *
   * @param setting the name of the setting, for the error message
   * @throws IllegalArgumentException naming the setting and the text when it is no duration, is
   *     finer than a nanosecond, or is too long to count in nanoseconds (never an {@link
   *     ArithmeticException})
   */
  public static Duration parseDuration(String text, String setting) {
    Objects.requireNonNull(text, setting);
    String t = text.trim();
    java.util.regex.Matcher m = UNIT_DURATION.matcher(t);
    Duration d;
    if (m.matches()) {
      long unitNanos;
      switch (m.group(2)) {
        case "ns": unitNanos = 1L; break;
        case "us": unitNanos = 1_000L; break;
        case "ms": unitNanos = 1_000_000L; break;
        case "s": unitNanos = 1_000_000_000L; break;
        case "m": unitNanos = 60_000_000_000L; break;
        default: unitNanos = 3_600_000_000_000L; break;
      }
      java.math.BigDecimal nanos = new java.math.BigDecimal(m.group(1))
          .multiply(java.math.BigDecimal.valueOf(unitNanos));
      if (nanos.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
        throw outOfRange(text, setting, null);
      }
      if (nanos.stripTrailingZeros().scale() > 0) {
        throw new IllegalArgumentException(setting + " " + shown(text)
            + " is finer than a nanosecond");
      }
      d = Duration.ofNanos(nanos.longValueExact());
    } else {
      try {
        d = Duration.parse(t);
      } catch (java.time.format.DateTimeParseException e) {
        // Duration.parse has matched digits when Long.parseLong or the sum overflows
        if (e.getCause() instanceof ArithmeticException
            || e.getCause() instanceof NumberFormatException) {
          throw outOfRange(text, setting, e);
        }
        throw new IllegalArgumentException(setting + " " + shown(text)
            + " is not a duration; write it like 250ms, 15s, 1.5s, 2m or PT15S", e);
      }
      if (!fitsNanos(d)) {
        throw outOfRange(text, setting, null);
      }
    }
    return d;
  }

  private static IllegalArgumentException outOfRange(String text, String setting,
      Throwable cause) {
    return new IllegalArgumentException(setting + " " + shown(text) + " is out of range: "
        + "a duration must be shorter than 292 years (what a long counts in nanoseconds)", cause);
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
}
