package io.github.election.postgresql;

import java.sql.SQLException;

/**
 * Fencing refused a write: the term given is not the current, unexpired term of the election
 * (another candidate took over, or the lease ran out), or this candidate does not lead. The
 * transaction it was thrown in is aborted: roll it back.
 */
public final class NotLeaderException extends SQLException {

  /** The SQLSTATE of the fencing function's refusal. */
  public static final String SQL_STATE = "EL001";

  private static final long serialVersionUID = 1L;

  NotLeaderException(String message, SQLException cause) {
    super(message, SQL_STATE, cause);
  }
}
