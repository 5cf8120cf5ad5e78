package io.github.election.cli;

import io.github.election.ElectionBackends;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.LeaderInfo;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

  @Option(names = "--timeout", paramLabel = "T", defaultValue = "10s",
      description = "How long to wait for the store (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (ElectionBackend store = ElectionBackends.open(backend.required())) {
      LeaderInfo info;
      try {
        info = store.inspect(election).toCompletableFuture()
            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        err.printf("elect: no answer from %s within %s%n", backend.shown(),
            timeout);
        return Elect.UNREACHABLE;
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
        err.printf("elect: cannot read %s: %s%n", backend.shown(), cause);
        return Elect.UNREACHABLE;
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
