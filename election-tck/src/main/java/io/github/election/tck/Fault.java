package io.github.election.tck;

/**
 * The faults a fixture may be able to inject. Rules that need a fault the fixture lacks are
 * skipped with a reason, never passed silently.
 */
public enum Fault {
  /** {@link ElectionFixture#crash}: a client stops at once without releasing anything. */
  CRASH,
  /** {@link ElectionFixture#cut} and {@link ElectionFixture#heal}: a client's network is cut. */
  PARTITION,
  /** {@link ElectionFixture#stopStore} and {@link ElectionFixture#startStore}. */
  STORE_RESTART,
  /** {@link ElectionFixture#expire}: the store ends a client's session or lease. */
  SESSION_EXPIRY,
  /** {@link ElectionFixture#loseMember} and {@link ElectionFixture#restoreMember}: a clustered store loses a minority. */
  MEMBER_LOSS
}
