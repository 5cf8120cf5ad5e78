package io.github.election.campaign;

import java.util.Locale;

/**
 * The faults of a campaign, by the names the {@code --mix} option uses, and the rule that bounds
 * the leaderless time once each has healed.
 */
enum FaultKind {
  /** A candidate's process is killed (SIGKILL): nothing is released; a new one starts later. */
  CRASH("L3"),
  /** The network between a candidate and the store goes silent (TCP proxy), then comes back. */
  CUT("L3"),
  /** Every member of the store stops, keeping its data, then starts again. */
  RESTART("L4"),
  /** The store ends a candidate's session or lease at once, as if it had timed out. */
  EXPIRE("L3"),
  /** One member of the three-member store stops for longer than D + P, then comes back. */
  MEMBER("L4"),
  /** A candidate's process is frozen (SIGSTOP) for longer than D, then resumed (SIGCONT). */
  PAUSE("L3"),
  /** The leader resigns (not a fault: the graceful handover, between the faults). */
  RESIGN("L2");

  private final String livenessRule;

  FaultKind(String livenessRule) {
    this.livenessRule = livenessRule;
  }

  /** The option name: {@code crash}, {@code cut}, ... */
  String option() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The rule that a leaderless gap after this fault healed breaks. */
  String livenessRule() {
    return livenessRule;
  }

  /**
   * The kind of an option name.
   *
   * @throws IllegalArgumentException naming the value and the known names
   */
  static FaultKind of(String option) {
    for (FaultKind k : values()) {
      if (k.option().equals(option.trim().toLowerCase(Locale.ROOT))) {
        return k;
      }
    }
    StringBuilder known = new StringBuilder();
    for (FaultKind k : values()) {
      known.append(known.length() == 0 ? "" : ", ").append(k.option());
    }
    throw new IllegalArgumentException("unknown fault '" + option + "'; known: " + known);
  }
}
