package io.github.election;

import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.LeaderInfo;
import io.github.election.spi.Observation;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A backend whose every poll waits for the test to answer it. */
class ScriptedBackend implements ElectionBackend {

  final LinkedBlockingQueue<CompletableFuture<Observation>> polls = new LinkedBlockingQueue<>();
  final LinkedBlockingQueue<CompletableFuture<LeaderInfo>> inspects = new LinkedBlockingQueue<>();
  /** Whether inspect() answers (through {@link #inspects}) or is unsupported, as by default. */
  volatile boolean canInspect;
  final AtomicInteger releases = new AtomicInteger();
  final AtomicInteger leaves = new AtomicInteger();
  volatile CandidateContext context;
  volatile boolean answerNoMore;

  /** From now on every poll, and every one still unanswered, fails at once. */
  void failEveryPoll() {
    answerNoMore = true;
    for (CompletableFuture<Observation> f; (f = polls.poll()) != null; ) {
      f.completeExceptionally(new IllegalStateException("test over"));
    }
  }

  @Override
  public String name() {
    return "scripted";
  }

  @Override
  public Candidate join(CandidateContext ctx) {
    this.context = ctx;
    return new Candidate() {
      @Override
      public CompletionStage<Observation> poll() {
        CompletableFuture<Observation> f = new CompletableFuture<>();
        if (answerNoMore) {
          f.completeExceptionally(new IllegalStateException("test over"));
        } else {
          polls.add(f);
          if (answerNoMore) {
            failEveryPoll();
          }
        }
        return f;
      }

      @Override
      public CompletionStage<Void> release() {
        releases.incrementAndGet();
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public CompletionStage<Void> leave() {
        leaves.incrementAndGet();
        return CompletableFuture.completedFuture(null);
      }
    };
  }

  @Override
  public CompletionStage<LeaderInfo> inspect(String election) {
    if (!canInspect) {
      return ElectionBackend.super.inspect(election);
    }
    CompletableFuture<LeaderInfo> f = new CompletableFuture<>();
    inspects.add(f);
    return f;
  }

  /** The next poll the engine makes, waiting up to 5 s for it. */
  CompletableFuture<Observation> nextPoll() {
    return next(polls, "poll");
  }

  /** The next inspect the engine makes, waiting up to 5 s for it. */
  CompletableFuture<LeaderInfo> nextInspect() {
    return next(inspects, "inspect");
  }

  private static <T> CompletableFuture<T> next(LinkedBlockingQueue<CompletableFuture<T>> queue,
      String what) {
    try {
      CompletableFuture<T> f = queue.poll(5, TimeUnit.SECONDS);
      if (f == null) {
        throw new AssertionError("the engine made no " + what + " within 5s");
      }
      return f;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** Answers the next poll. */
  void answer(Observation o) {
    nextPoll().complete(o);
  }

  static Duration seconds(long s) {
    return Duration.ofSeconds(s);
  }

  @Override
  public void close() {
  }
}
