package io.github.election.cli;

import io.github.election.LeaderElection;
import io.github.election.LeaderTask;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code elect run}: runs a command only while this process leads. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Takes part in an election and runs COMMAND only while leading: starts it on "
        + "winning, stops it (SIGTERM, then SIGKILL after the grace period) as soon as "
        + "leadership is lost or cannot be confirmed, and starts it again when leadership "
        + "returns. The command sees ELECT_ELECTION, ELECT_IDENTITY and ELECT_TERM.",
        "When the command ends by itself while leading, elect releases leadership and exits "
            + "with the command's exit code. On SIGTERM or SIGINT, elect stops the command, "
            + "releases leadership and exits (143 or 130)."},
    footer = {"", "Exit codes: the command's own code when it ended by itself; 2 bad usage; "
        + "3 no answer from the store within --connect-timeout."})
final class RunCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ElectionOptions options;

  @Option(names = "--grace", paramLabel = "T",
      description = "Time between SIGTERM and SIGKILL when stopping the command; must be "
          + "shorter than D - R, the time between the moment this process stops counting "
          + "itself leader and the moment another may lead (default: half of D - R)")
  Duration grace;

  /** How long after SIGKILL elect waits for the command to be gone. */
  private static final Duration KILL_WAIT = Duration.ofSeconds(5);

  @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments (after --)")
  List<String> command;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    Duration margin = options.leaseDuration.minus(options.renewDeadline);
    if (grace == null) {
      grace = margin.dividedBy(2);
    }
    if (margin.isNegative() || margin.isZero()) {
      grace = Duration.ZERO; // the builder refuses these settings, naming them
    } else if (grace.isNegative() || grace.compareTo(margin) >= 0) {
      throw new IllegalArgumentException("--grace (" + ElectionSettings.format(grace)
          + ") must be at least 0 and shorter than --lease-duration - --renew-deadline ("
          + ElectionSettings.format(margin) + "): the command must be gone before another "
          + "candidate can lead");
    }
    CompletableFuture<Integer> endedByItself = new CompletableFuture<>();
    ElectionBackend store = options.open();
    LeaderElection election;
    try {
      election = options.builder(store)
          .whileLeader(task(err, endedByItself))
          .drainTimeout(grace.plus(KILL_WAIT).plusSeconds(1))
          .build();
    } catch (RuntimeException e) {
      store.close(); // refused settings: nothing stays open
      throw e;
    }
    AtomicBoolean closed = new AtomicBoolean();
    Runnable shutdown = () -> {
      if (closed.compareAndSet(false, true)) {
        election.close();
        store.close();
      }
    };
    Thread hook = new Thread(shutdown, "elect-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    election.subscribe(e -> {
      err.println("elect: " + ElectionOptions.describe(e));
      err.flush();
    });
    election.start();
    if (!options.awaitFirstAnswer(election, err)) {
      shutdown.run();
      return Elect.UNREACHABLE;
    }
    int code;
    try {
      code = endedByItself.get();
    } catch (ExecutionException e) {
      err.println("elect: cannot start the command: " + e.getCause().getMessage());
      code = 127;
    }
    shutdown.run();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs already
    }
    return code;
  }

  private LeaderTask task(PrintWriter err, CompletableFuture<Integer> endedByItself) {
    return term -> {
      ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
      pb.environment().put("ELECT_ELECTION", options.election);
      pb.environment().put("ELECT_IDENTITY", options.identity());
      pb.environment().put("ELECT_TERM", Long.toString(term));
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        endedByItself.completeExceptionally(e);
        return;
      }
      err.printf("elect: leading in term %d: started %s (pid %d)%n", term, command, p.pid());
      err.flush();
      try {
        int code = p.waitFor();
        err.printf("elect: the command ended by itself with code %d%n", code);
        err.flush();
        endedByItself.complete(code);
      } catch (InterruptedException lost) {
        stop(p, err);
      }
    };
  }

  private void stop(Process p, PrintWriter err) {
    err.printf("elect: not leader any more: stopping pid %d and its children (SIGTERM)%n",
        p.pid());
    err.flush();
    // children of a script would outlive it: they get the signal too, and the kill after grace
    List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
    p.destroy();
    tree.forEach(ProcessHandle::destroy);
    boolean ended = false;
    try {
      ended = p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException again) {
      Thread.currentThread().interrupt();
    }
    p.descendants().forEach(tree::add);
    if (!ended || tree.stream().anyMatch(ProcessHandle::isAlive)) {
      err.printf("elect: pid %d or a child still running after %s: SIGKILL%n", p.pid(),
          ElectionSettings.format(grace));
      err.flush();
      p.destroyForcibly();
      tree.forEach(ProcessHandle::destroyForcibly);
      try {
        p.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException again) {
        Thread.currentThread().interrupt();
      }
    }
    err.printf("elect: pid %d stopped%n", p.pid());
    err.flush();
  }
}
