package io.github.election.spi.record;

/**
 * The store answered, and refused the request (a missing permission, say): unlike a store that
 * cannot be reached, it will say the same again until an operator acts. A poll that meets it
 * reports {@code UNKNOWN} at once with this exception's message as the reason, so the message
 * should say what to fix.
 */
public class RecordRefusedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what was refused and how to allow it
   * @param cause the store's own error, or null
   */
  public RecordRefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}
