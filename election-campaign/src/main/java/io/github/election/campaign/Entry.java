package io.github.election.campaign;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One line of a campaign's history: a time on the machine's monotonic clock ({@link
 * System#nanoTime()}, which is CLOCK_MONOTONIC on Linux and so comparable between the processes
 * of one machine), who wrote it (a candidate instance such as {@code c2#3}, or {@code runner}),
 * what happened, and the details as flat fields.
 *
 * <p>Kinds written by candidates: {@code started}, {@code transition} (from, fromTerm, to,
 * leader, term, seq, at), {@code notify} (state, leader, term, seq and the getters' view at the
 * call: curState, curLeader, curTerm, curSeq), {@code work-start} (term), {@code work-end} (term,
 * acts, firstAct, lastAct), {@code ack} (cmd, result). Kinds written by the runner: {@code begin}
 * (the settings), {@code spawn} (identity), {@code exit} (how), {@code fault} (id, fault, target,
 * holdMs) and {@code heal} (id, fault, target), {@code error} (a fault that could not be
 * injected as drawn), {@code closing} (the candidates are being closed). Immutable.
 */
final class Entry {

  static final String RUNNER = "runner";

  private final long t;
  private final String who;
  private final String kind;
  private final Map<String, Object> fields;

  Entry(long t, String who, String kind, Map<String, Object> fields) {
    this.t = t;
    this.who = Objects.requireNonNull(who, "who");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** An entry from its fields, which must hold t, who and kind. */
  static Entry of(Map<String, Object> all) {
    Map<String, Object> rest = new LinkedHashMap<>(all);
    Object t = rest.remove("t");
    Object who = rest.remove("who");
    Object kind = rest.remove("kind");
    if (!(t instanceof Long) || !(who instanceof String) || !(kind instanceof String)) {
      throw new IllegalArgumentException("history line lacks t, who or kind: " + all);
    }
    return new Entry((Long) t, (String) who, (String) kind, rest);
  }

  /** Builds an entry field by field. */
  static Builder at(long t, String who, String kind) {
    return new Builder(t, who, kind);
  }

  long t() {
    return t;
  }

  String who() {
    return who;
  }

  String kind() {
    return kind;
  }

  boolean is(String k) {
    return kind.equals(k);
  }

  /** A text field, or null. */
  String str(String key) {
    Object v = fields.get(key);
    return v == null ? null : v.toString();
  }

  /** A number field, or {@code dflt} when absent. */
  long num(String key, long dflt) {
    Object v = fields.get(key);
    return v instanceof Long ? (Long) v : dflt;
  }

  /** A number field that must be present. */
  long num(String key) {
    Object v = fields.get(key);
    if (!(v instanceof Long)) {
      throw new IllegalStateException("history line has no number '" + key + "': " + this);
    }
    return (Long) v;
  }

  Map<String, Object> fields() {
    return fields;
  }

  /** The entry as one JSON object. */
  String toJson() {
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("t", t);
    all.put("who", who);
    all.put("kind", kind);
    all.putAll(fields);
    return Json.write(all);
  }

  @Override
  public String toString() {
    return toJson();
  }

  /** Collects the fields of an entry. */
  static final class Builder {
    private final long t;
    private final String who;
    private final String kind;
    private final Map<String, Object> fields = new LinkedHashMap<>();

    private Builder(long t, String who, String kind) {
      this.t = t;
      this.who = who;
      this.kind = kind;
    }

    Builder put(String key, Object value) {
      if (value != null) {
        fields.put(key, value instanceof Integer ? Long.valueOf((Integer) value) : value);
      }
      return this;
    }

    Entry build() {
      return new Entry(t, who, kind, fields);
    }
  }
}
