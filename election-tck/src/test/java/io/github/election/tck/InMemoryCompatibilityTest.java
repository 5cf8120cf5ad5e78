package io.github.election.tck;

/** The reference backend passes the whole kit. */
class InMemoryCompatibilityTest extends ElectionCompatibilityKit {

  @Override
  protected ElectionFixture createFixture() {
    return new InMemoryFixture();
  }
}
