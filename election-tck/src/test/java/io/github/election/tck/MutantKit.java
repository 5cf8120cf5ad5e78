package io.github.election.tck;

import io.github.election.tck.broken.Mutant;

/**
 * The kit run against one broken implementation, chosen by {@link #mutant} before the launcher
 * runs it. Not a test of its own: Surefire does not pick it up (no Test suffix).
 */
public class MutantKit extends ElectionCompatibilityKit {

  /** The implementation under test; set by KitCatchesBrokenImplementationsTest. */
  static volatile Mutant mutant;

  @Override
  protected ElectionFixture createFixture() {
    return mutant.newFixture();
  }
}
