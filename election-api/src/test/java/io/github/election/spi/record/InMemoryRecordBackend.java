package io.github.election.spi.record;

import io.github.election.spi.CandidateContext;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend with nothing but records in memory: what a store with a compare-and-set record
 * writes to become an {@code ElectionBackend} on the record tier.
 */
final class InMemoryRecordBackend extends RecordElectionBackend {

  private final Map<String, InMemoryRecordStore> records = new ConcurrentHashMap<>();
  final AtomicInteger peeks = new AtomicInteger();

  InMemoryRecordBackend() {
    super("election-test-record-timer");
  }

  @Override
  public String name() {
    return "memory-record";
  }

  /** The record of an election, shared by its candidates. */
  InMemoryRecordStore record(String election) {
    return records.computeIfAbsent(election, n -> new InMemoryRecordStore());
  }

  @Override
  protected RecordStore open(CandidateContext context) {
    return record(context.settings().name());
  }

  @Override
  protected CompletionStage<Optional<LeaderRecord>> peek(String election) {
    peeks.incrementAndGet();
    return CompletableFuture.completedFuture(Optional.ofNullable(record(election).record()));
  }
}
