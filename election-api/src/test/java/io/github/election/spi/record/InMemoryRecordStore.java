package io.github.election.spi.record;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Supplier;

/**
 * One leadership record in memory, with compare-and-set on a version counter: the record store
 * of the generic candidate's tests. Requests answer at once, unless the test holds them ({@link
 * #hold}) or makes them fail ({@link #failWith}); {@link #beforeWrite} runs a concurrent writer's
 * step between a candidate's read and its write. Every write is shown to the watchers of every
 * candidate, with its version, after it is done, as a store's watch would; the watch counts as
 * healthy ({@link #watchHealthy()}) only once the test says so ({@link #healthy}), and can be
 * broken and restored ({@link #breakWatch}, {@link #restoreWatch}).
 */
final class InMemoryRecordStore implements RecordStore {

  private VersionedRecord current; // guarded by this
  private long versions; // guarded by this
  private boolean holding; // guarded by this
  private final List<Runnable> held = new ArrayList<>(); // guarded by this
  /** Every request, in the order sent: "get", "create", "update". */
  final List<String> requests = new ArrayList<>(); // guarded by this
  volatile RuntimeException failWith;
  volatile Runnable beforeWrite;
  volatile Watcher watcher;
  private final java.util.Set<Watcher> watchers = new CopyOnWriteArraySet<>();
  volatile CompletionStage<Void> leftWith;
  /** What {@link #watchHealthy()} answers. */
  volatile boolean healthy;

  /** Every watcher the candidates registered. */
  java.util.Set<Watcher> watchers() {
    return watchers;
  }

  /** Writes a record as another candidate would; returns it with its new version. */
  VersionedRecord put(LeaderRecord record) {
    VersionedRecord written = write(record);
    for (Watcher w : watchers) {
      w.recordChangedTo(written);
    }
    return written;
  }

  /** Writes a record as another candidate would, unseen by the watch (it is down, say). */
  VersionedRecord putUnseen(LeaderRecord record) {
    return write(record);
  }

  /** The watch ends: not healthy, and the watchers are told the record may change unseen. */
  void breakWatch() {
    healthy = false;
    watchers.forEach(Watcher::recordMayHaveChanged);
  }

  /** The watch is established again: healthy, and the watchers are told. */
  void restoreWatch() {
    healthy = true;
    watchers.forEach(Watcher::recordMayHaveChanged);
  }

  @Override
  public boolean watchHealthy() {
    return healthy;
  }

  private synchronized VersionedRecord write(LeaderRecord record) {
    current = record == null ? null : new VersionedRecord(record, Long.toString(++versions));
    return current;
  }

  synchronized LeaderRecord record() {
    return current == null ? null : current.record();
  }

  synchronized List<String> requests() {
    return List.copyOf(requests);
  }

  /** From now on, requests wait until {@link #proceed} (or answer at once again after it). */
  synchronized void hold() {
    holding = true;
  }

  /** Answers the held requests, in order, and stops holding. */
  void proceed() {
    answer(false);
  }

  /** Answers the held requests, in order; requests they lead to are held again. */
  void answerHeld() {
    answer(true);
  }

  private void answer(boolean keepHolding) {
    List<Runnable> toRun;
    synchronized (this) {
      holding = keepHolding;
      toRun = new ArrayList<>(held);
      held.clear();
    }
    toRun.forEach(Runnable::run);
  }

  @Override
  public CompletionStage<Optional<VersionedRecord>> get() {
    return request("get", () -> Optional.ofNullable(current));
  }

  @Override
  public CompletionStage<VersionedRecord> create(LeaderRecord record) {
    return request("create", () -> {
      if (current != null) {
        throw new RecordConflictException("exists at version " + current.version(), null);
      }
      return write(record);
    });
  }

  @Override
  public CompletionStage<VersionedRecord> update(VersionedRecord at, LeaderRecord next) {
    return request("update", () -> {
      if (current == null || !current.version().equals(at.version())) {
        throw new RecordConflictException("not at version " + at.version(), null);
      }
      return write(next);
    });
  }

  @Override
  public void watch(Watcher watcher) {
    this.watcher = watcher;
    watchers.add(watcher);
  }

  @Override
  public CompletionStage<Void> leave(CompletionStage<Void> released) {
    leftWith = released;
    return released.handle((v, e) -> null);
  }

  private <T> CompletionStage<T> request(String verb, Supplier<T> op) {
    CompletableFuture<T> answer = new CompletableFuture<>();
    Runnable run = () -> {
      RuntimeException failure = failWith;
      if (failure != null) {
        answer.completeExceptionally(failure);
        return;
      }
      Runnable writer = beforeWrite;
      if (writer != null && !verb.equals("get")) {
        beforeWrite = null;
        writer.run();
      }
      try {
        T value;
        synchronized (this) {
          value = op.get();
        }
        if (value instanceof VersionedRecord) {
          for (Watcher w : watchers) {
            w.recordChangedTo((VersionedRecord) value);
          }
        }
        answer.complete(value);
      } catch (RuntimeException e) {
        answer.completeExceptionally(e);
      }
    };
    synchronized (this) {
      requests.add(verb);
      if (holding) {
        held.add(run);
        return answer;
      }
    }
    run.run();
    return answer;
  }

  @Override
  public String toString() {
    return "InMemoryRecordStore";
  }
}
