package io.github.election.spi.record;

/**
 * A write to a {@link RecordStore} lost a race: {@link RecordStore#create} found the record
 * there already, or {@link RecordStore#update} found it changed (or gone) since the version it
 * was given. The candidate reads the record again and decides anew.
 */
public class RecordConflictException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what conflicted, naming the record (e.g. "Lease ns/jobs changed since
   *     version 7")
   * @param cause the store's own error, or null
   */
  public RecordConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}
