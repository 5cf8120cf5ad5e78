package io.github.election.postgresql;

import io.github.election.spi.record.LeaderRecord;
import io.github.election.spi.record.VersionedRecord;
import java.time.Duration;
import java.time.Instant;

/**
 * A notification of a write of an election's row, carrying the row as written, so that a
 * follower keeps the record without reading it. Payload ({@link #PAYLOAD}, built by the write
 * statement itself, so it is the committed row):
 *
 * <pre>
 * record:VERSION TRANSITIONS LEASE_MS ACQUIRE_US RENEW_US NAME_LEN HOLDER_LEN PREFERRED_LEN
 *     NAMEHOLDERPREFERRED (no line break)
 * </pre>
 *
 * <p>Numbers in decimal, {@code -} for a null; times in microseconds since the epoch (exact, as
 * PostgreSQL stores them); lengths in characters (code points), after which the three texts
 * follow without separators. A payload longer than PostgreSQL allows (8000 bytes: an identity
 * of about a thousand multi-byte characters) falls back to the election's name alone, which
 * listeners take as "may have changed", as from a writer of an older version.
 */
record Notice(String election, VersionedRecord record) {

  static final String PREFIX = "record:";

  /** The payload over the columns of the row written, aliased {@code w}. */
  static final String PAYLOAD;

  static {
    String p = "'" + PREFIX + "' || w.version || ' ' || w.transitions || ' '"
        + " || coalesce(w.lease_duration_ms::text, '-') || ' ' || " + micros("w.acquire_time")
        + " || ' ' || " + micros("w.renew_time") + " || ' ' || length(w.name) || ' '"
        + " || coalesce(length(w.holder)::text, '-') || ' '"
        + " || coalesce(length(w.preferred_holder)::text, '-') || ' '"
        + " || w.name || coalesce(w.holder, '') || coalesce(w.preferred_holder, '')";
    PAYLOAD = "CASE WHEN octet_length(" + p + ") < 8000 THEN " + p + " ELSE w.name END";
  }

  /** A timestamptz as whole microseconds since the epoch, exact on every server version. */
  private static String micros(String column) {
    return "coalesce((floor(extract(epoch FROM date_trunc('second', " + column + ")))::bigint"
        + " * 1000000 + extract(microseconds FROM " + column + ")::bigint % 1000000)::text, '-')";
  }

  /** Whether a payload claims to be a notice (then {@link #parse} failing is an error). */
  static boolean looksLikeOne(String payload) {
    return payload != null && payload.startsWith(PREFIX);
  }

  /** The notice in a payload, or null when it is not one (or cannot be read). */
  static Notice parse(String payload) {
    if (!looksLikeOne(payload)) {
      return null;
    }
    try {
      String[] head = new String[8];
      int at = PREFIX.length();
      for (int i = 0; i < head.length; i++) {
        int space = payload.indexOf(' ', at);
        if (space < 0) {
          return null;
        }
        head[i] = payload.substring(at, space);
        at = space + 1;
      }
      int nameEnd = payload.offsetByCodePoints(at, Integer.parseInt(head[5]));
      String name = payload.substring(at, nameEnd);
      int holderEnd = head[6].equals("-") ? nameEnd
          : payload.offsetByCodePoints(nameEnd, Integer.parseInt(head[6]));
      String holder = head[6].equals("-") ? null : payload.substring(nameEnd, holderEnd);
      int preferredEnd = head[7].equals("-") ? holderEnd
          : payload.offsetByCodePoints(holderEnd, Integer.parseInt(head[7]));
      String preferred = head[7].equals("-") ? null : payload.substring(holderEnd, preferredEnd);
      if (preferredEnd != payload.length()) {
        return null;
      }
      Duration lease = head[2].equals("-") ? null
          : Duration.ofMillis(Math.max(0, Long.parseLong(head[2])));
      LeaderRecord r = new LeaderRecord(holder, lease, instant(head[3]), instant(head[4]),
          Math.max(0, Long.parseLong(head[1])), preferred);
      return new Notice(name, new VersionedRecord(r, Long.toString(Long.parseLong(head[0]))));
    } catch (RuntimeException e) { // a number or a length that does not fit
      return null;
    }
  }

  private static Instant instant(String micros) {
    if (micros.equals("-")) {
      return null;
    }
    long us = Long.parseLong(micros);
    return Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000L),
        Math.floorMod(us, 1_000_000L) * 1000L);
  }
}
