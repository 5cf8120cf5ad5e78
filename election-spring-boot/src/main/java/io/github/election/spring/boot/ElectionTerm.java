package io.github.election.spring.boot;

/**
 * The term (fencing token) of the leadership under which the current {@link LeaderOnly} call
 * runs on this thread.
 */
public final class ElectionTerm {

  private static final ThreadLocal<long[]> TERM = new ThreadLocal<>();

  private ElectionTerm() {
  }

  /**
   * The term of the leadership period in which the {@link LeaderOnly} method running on this
   * thread was called. It stays the same for the whole call, even if leadership ends meanwhile.
   *
   * @throws IllegalStateException if no {@link LeaderOnly} method runs on this thread
   */
  public static long current() {
    long[] term = TERM.get();
    if (term == null) {
      throw new IllegalStateException("ElectionTerm.current() is only known inside a call of a"
          + " @LeaderOnly method");
    }
    return term[0];
  }

  /** Sets the term for a call and returns what to restore after it. */
  static long[] enter(long term) {
    long[] before = TERM.get();
    TERM.set(new long[] {term});
    return before;
  }

  static void exit(long[] before) {
    if (before == null) {
      TERM.remove();
    } else {
      TERM.set(before);
    }
  }
}
