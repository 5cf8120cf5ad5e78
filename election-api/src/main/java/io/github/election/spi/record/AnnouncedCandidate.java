package io.github.election.spi.record;

import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.Observation;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record store's candidate of a priority above 0: keeps its entry in the {@link
 * CandidateRoster} while it takes part. A round starts a write of the entry alongside the
 * record's round when a third of its time to live (the lease duration D) has passed since the
 * last write and no write is under way; the round does not wait for it, so a slow roster never
 * delays the record's rounds; a failed write of the entry is logged and changes nothing else. {@link #leave()} removes the
 * entry after the record's leave. Called one call at a time, as every {@link Candidate}.
 */
final class AnnouncedCandidate implements Candidate {

  private static final Logger log = LoggerFactory.getLogger(AnnouncedCandidate.class);

  private final Candidate inner;
  private final CandidateRoster roster;
  private final CandidateContext context;
  private final Duration ttl;
  private final long refreshNanos;
  private boolean announced; // guarded by this (set when a write answers, on any thread)
  private long announcedAt; // guarded by this
  private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

  AnnouncedCandidate(Candidate inner, CandidateRoster roster, CandidateContext context) {
    this.inner = inner;
    this.roster = roster;
    this.context = context;
    this.ttl = context.settings().leaseDuration();
    this.refreshNanos = Math.max(1, ttl.toNanos() / 3);
  }

  @Override
  public CompletionStage<Observation> poll() {
    ElectionSettings s = context.settings();
    long now = context.ticker().read();
    boolean due;
    synchronized (this) {
      due = (!announced || now - announcedAt >= refreshNanos) && last.isDone();
    }
    if (due) {
      last = write(() -> roster.announce(s.name(), s.identity(), s.priority(), ttl), "write")
          .thenApply(ok -> {
            if (ok) {
              synchronized (this) {
                announced = true;
                announcedAt = now;
              }
            }
            return null;
          });
    }
    return inner.poll();
  }

  @Override
  public CompletionStage<Void> release() {
    return inner.release();
  }

  @Override
  public CompletionStage<Void> handOver(String successor, Duration timeout) {
    return inner.handOver(successor, timeout);
  }

  @Override
  public CompletionStage<Void> leave() {
    ElectionSettings s = context.settings();
    CompletableFuture<Void> pending = last;
    return inner.leave().toCompletableFuture()
        .handle((v, e) -> null)
        .thenCompose(v -> pending.handle((x, e) -> null))
        .thenCompose(v -> write(() -> roster.withdraw(s.name(), s.identity()), "removal"))
        .thenApply(ok -> null);
  }

  /** Runs a write of the entry; completes with whether it succeeded, never exceptionally. */
  private CompletableFuture<Boolean> write(
      java.util.function.Supplier<CompletionStage<Void>> request, String what) {
    CompletionStage<Void> stage;
    try {
      stage = request.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    return stage.toCompletableFuture().handle((v, e) -> {
      if (e != null) {
        log.info("{}/{}: {} of the candidate entry (priority {}) failed: {}",
            context.settings().name(), context.settings().identity(), what,
            context.settings().priority(), String.valueOf(e));
        return false;
      }
      return true;
    });
  }
}
