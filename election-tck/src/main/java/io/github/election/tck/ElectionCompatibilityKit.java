package io.github.election.tck;

/**
 * The compatibility kit (skeleton; the rules' tests are being written).
 */
public abstract class ElectionCompatibilityKit {

  /** Makes the fixture of one test; the kit closes it after the test. */
  protected abstract ElectionFixture createFixture();
}
