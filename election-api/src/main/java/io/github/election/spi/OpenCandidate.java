package io.github.election.spi;

import java.util.Objects;

/**
 * One open candidate of an election, as {@link ElectionBackend#candidates} lists it: its identity
 * and the priority it published with its candidacy. Immutable.
 *
 * @param identity the candidate's identity
 * @param priority its priority, 0 (the default) or more
 */
public record OpenCandidate(String identity, int priority) {

  /**
   * @throws NullPointerException if identity is null
   * @throws IllegalArgumentException if priority is negative
   */
  public OpenCandidate {
    Objects.requireNonNull(identity, "identity");
    SettingValues.requirePriority(priority, "priority");
  }

  /**
   * The text a queue store (ZooKeeper, etcd) keeps in a candidate's node or key: the identity
   * alone for priority 0 (what Curator's {@code LeaderLatch} writes, so older readers and other
   * tools see the identity), else the identity, a NUL character and {@code priority=N}. An
   * identity never holds a NUL ({@link SettingValues#isForbiddenChar}).
   */
  public static String encode(String identity, int priority) {
    Objects.requireNonNull(identity, "identity");
    return priority == 0 ? identity : identity + '\0' + "priority=" + priority;
  }

  /**
   * Reads what {@link #encode} wrote: the text up to the first NUL is the identity; a priority
   * that is missing or cannot be read counts as 0.
   *
   * @return the candidate, or null when {@code text} is null or holds no identity
   */
  public static OpenCandidate decode(String text) {
    if (text == null) {
      return null;
    }
    int nul = text.indexOf('\0');
    String identity = nul < 0 ? text : text.substring(0, nul);
    if (identity.isEmpty()) {
      return null;
    }
    int priority = 0;
    if (nul >= 0) {
      for (String field : text.substring(nul + 1).split("\0")) {
        if (field.startsWith("priority=")) {
          try {
            priority = Math.max(0, Integer.parseInt(field.substring("priority=".length())));
          } catch (NumberFormatException e) {
            priority = 0;
          }
        }
      }
    }
    return new OpenCandidate(identity, priority);
  }

  /** The identity in {@code text} as {@link #encode} wrote it, or null (see {@link #decode}). */
  public static String identityOf(String text) {
    OpenCandidate c = decode(text);
    return c == null ? null : c.identity();
  }
}
