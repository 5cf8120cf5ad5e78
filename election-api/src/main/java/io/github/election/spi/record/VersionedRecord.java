package io.github.election.spi.record;

import java.util.Objects;

/**
 * A {@link LeaderRecord} as the store holds it, with the store's version of it (a Kubernetes
 * {@code resourceVersion}, a row version, a modification index): what {@link
 * RecordStore#update} compares before it writes. Immutable.
 *
 * @param record the record
 * @param version the store's opaque version; two reads give equal versions exactly when the
 *     record was not written in between
 */
public record VersionedRecord(LeaderRecord record, String version) {

  /** @throws NullPointerException if an argument is null */
  public VersionedRecord {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(version, "version");
  }
}
