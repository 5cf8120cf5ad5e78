package io.github.election.cli;

import io.github.election.ElectionBackends;
import io.github.election.LeaderObserver;
import io.github.election.LeadershipState;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.LeaderInfo;
import io.github.election.spi.SettingValues;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code elect status}: who leads, since when, with what term; without taking part. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Shows who leads an election and with what term (and since when, where the "
        + "store records it: Kubernetes' acquireTime), without taking part.", "Exit code 0 "
        + "when someone leads, 1 when nobody does, 2 on bad usage or an election name the store "
        + "refuses, 3 when the store does not answer within --timeout."})
final class StatusCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  BackendOptions backend;

  @Option(names = "--election", required = true, paramLabel = "NAME",
      description = "The election's name")
  String election;

  /** The pause before asking a store that failed again. */
  private static final Duration RETRY_DELAY = Duration.ofMillis(250);

  @Option(names = "--timeout", paramLabel = "T", defaultValue = "10s",
      description = "How long to keep asking the store, again after each failed attempt "
          + "(default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(names = "--watch", description = "Keep following the election without taking part "
      + "(a watch on the store, no writes): one line per change of leader, term or state, "
      + "until interrupted or --changes lines were printed")
  boolean watch;

  @Option(names = "--changes", paramLabel = "N", defaultValue = "0",
      description = "With --watch: stop after N lines (default: never)")
  int changes;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (changes < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--changes must not be negative, got " + changes);
    }
    if (watch) {
      return watch(out);
    }
    try (ElectionBackend store = ElectionBackends.open(backend.required())) {
      LeaderInfo info = null;
      // a store that refuses or drops a connection is asked again until --timeout: one failed
      // connection attempt (a slow login on a busy server) is not "unreachable"
      long end = System.nanoTime() + timeout.toNanos();
      Throwable last = null;
      while (info == null) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          if (last == null) {
            err.printf("elect: no answer from %s within %s%n", backend.shown(), timeout);
          } else {
            err.printf("elect: cannot read %s: %s%n", backend.shown(), last);
          }
          return Elect.UNREACHABLE;
        }
        try {
          info = store.inspect(election).toCompletableFuture().get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          last = null;
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof UnsupportedOperationException) {
            err.println("elect: " + cause.getMessage());
            return Elect.FAILURE;
          }
          if (cause instanceof IllegalArgumentException) {
            err.println("elect: " + cause.getMessage()); // a name the store refuses
            return Elect.USAGE;
          }
          last = cause;
          TimeUnit.NANOSECONDS.sleep(Math.min(RETRY_DELAY.toNanos(), end - System.nanoTime()));
        }
      }
      out.printf("election: %s%n", election);
      if (info.leader().isEmpty()) {
        out.println("leader:   none");
        return Elect.FAILURE;
      }
      out.printf("leader:   %s%n", info.leader().get());
      out.printf("term:     %d%n", info.term());
      info.since().ifPresent(s -> out.printf("since:    %s (%s ago)%n", s,
          human(Duration.between(s, Instant.now()))));
      return Elect.OK;
    }
  }

  /**
   * Follows the election with a {@link LeaderObserver} and prints one line per view from the
   * first look on: the time, then {@code leader NAME term N}, {@code no leader}, or {@code
   * unknown} (the store did not answer for the renew deadline).
   */
  private int watch(PrintWriter out) throws InterruptedException {
    java.util.concurrent.Semaphore printed = new java.util.concurrent.Semaphore(0);
    try (ElectionBackend store = ElectionBackends.open(backend.required());
         LeaderObserver observer = LeaderObserver.builder(store).name(election).build()) {
      io.github.election.Subscription lines = observer.subscribe(e -> {
        if (e.sequence() == 0) {
          return; // the view before the first look
        }
        String what = e.state() == LeadershipState.UNKNOWN ? "unknown"
            : e.leader().map(l -> "leader " + SettingValues.printable(l) + " term " + e.term())
                .orElse("no leader");
        synchronized (out) {
          out.printf("%s %s%n", Instant.now(), what);
          out.flush();
        }
        printed.release();
      });
      observer.start();
      if (changes == 0) {
        new java.util.concurrent.CountDownLatch(1).await(); // until interrupted (SIGINT)
      }
      printed.acquire(changes);
      lines.close(); // not the final view that close() tells
      return Elect.OK;
    }
  }

  private static String human(Duration d) {
    if (d.isNegative()) {
      return "0s";
    }
    long s = d.toSeconds();
    if (s < 120) {
      return s + "s";
    }
    if (s < 7200) {
      return s / 60 + "m";
    }
    return s / 3600 + "h" + (s % 3600) / 60 + "m";
  }
}
