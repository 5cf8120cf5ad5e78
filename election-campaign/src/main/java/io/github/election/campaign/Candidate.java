package io.github.election.campaign;

/**
 * One candidate instance of a campaign, as the runner handles it: a child JVM for the stores
 * that live outside the runner, an election in the runner's JVM for the in-memory store. Every
 * method returns once its fault is in place, and writes nothing to the history itself unless
 * said (the runner writes the fault and heal entries).
 */
interface Candidate {

  /** The instance name, such as {@code c2#3}: identity, then incarnation. */
  String who();

  /** Kills the candidate without any cleanup; writes its {@code exit} entry. */
  void kill();

  /** Freezes every thread of the candidate. */
  void pause();

  /** Undoes {@link #pause}. */
  void resume();

  /** Silences the network between the candidate and the store. */
  void cut();

  /** Undoes {@link #cut}. */
  void heal();

  /** Makes the store end the candidate's session or lease now. */
  void expire();

  /** Resigns leadership; returns once done. */
  void resign();

  /** Hands leadership over to the candidate of identity {@code successor}; returns once done. */
  void resign(String successor);

  /** Closes the election gracefully and ends the candidate; writes its {@code exit} entry. */
  void close();
}
