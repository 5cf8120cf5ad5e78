package io.github.election.benchmarks;

/** Many elections of one side in one JVM, for the scale runs (P4). */
public interface Fleet extends AutoCloseable {

  /** How many of the fleet's candidates lead now. */
  int leading();

  /** Stops every candidate and client of the fleet. */
  @Override
  void close();
}
