package io.github.election.testing;

import java.util.Locale;

/**
 * The faults that tooling injects into an election, one vocabulary for the compatibility kit's
 * fixtures, the fault campaign and the benchmarks. A {@link StoreHarness} lists the ones its
 * store can take ({@link StoreHarness#faults()}); the kit skips rules whose fault a fixture
 * lacks, with the reason, and the campaign leaves such faults out of its mix.
 *
 * <p>The {@linkplain #option() option names} ({@code crash}, {@code cut}, ...) are the ones of
 * the campaign's {@code --mix} option and of its history files.
 */
public enum Fault {
  /**
   * A client stops at once as a crashed process would: it sends nothing more and releases
   * nothing; the store lets its session or lease run out. In the campaign the candidate's JVM
   * is killed (SIGKILL) and a new one starts a little later.
   */
  CRASH("L3"),
  /** The network between a client and the store goes silent, then comes back ({@link TcpProxy}). */
  CUT("L3"),
  /** Every member of the store stops, keeping its data, then starts again. */
  RESTART("L4"),
  /** The store ends a client's session or lease at once, as if it had timed out. */
  EXPIRE("L3"),
  /** A minority of the store's members stops for a while, then comes back. */
  MEMBER("L4"),
  /**
   * A candidate's process is frozen (SIGSTOP) for longer than D, then resumed (SIGCONT): only
   * for candidates in processes of their own (the campaign's).
   */
  PAUSE("L3"),
  /** The leader resigns: not a fault, the graceful handover, which the campaign mixes in. */
  RESIGN("L2"),
  /**
   * The leader hands over to a named candidate ({@code resign(successor)}): to another live
   * candidate, or now and then to a name that no candidate has. Option name {@code
   * handover-to}.
   */
  HANDOVER_TO("L2"),
  /**
   * A candidate restarts with another priority (in the campaign its JVM is killed and a new one
   * starts at once with a priority drawn from 0 to 3); every candidate of a campaign with this
   * fault in its mix is built with preemption, and the checker's rule K1 wants the candidate of
   * the highest priority to lead once the election had the time (docs/CONTRACT.md). Option
   * name {@code priority}.
   */
  PRIORITY("L3");

  private final String livenessRule;

  Fault(String livenessRule) {
    this.livenessRule = livenessRule;
  }

  /** The option name: {@code crash}, {@code cut}, ..., {@code handover-to}. */
  public String option() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The rule of the contract (docs/CONTRACT.md) that bounds the time without a leader once this
   * fault healed.
   */
  public String livenessRule() {
    return livenessRule;
  }

  /**
   * The fault of an option name, ignoring case and surrounding blanks.
   *
   * @throws IllegalArgumentException naming the value and the known names
   */
  public static Fault of(String option) {
    for (Fault f : values()) {
      if (f.option().equals(option.trim().toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    StringBuilder known = new StringBuilder();
    for (Fault f : values()) {
      known.append(known.length() == 0 ? "" : ", ").append(f.option());
    }
    throw new IllegalArgumentException("unknown fault '" + option + "'; known: " + known);
  }
}
