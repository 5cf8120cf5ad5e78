package io.github.election.cli;

import io.github.election.LeaderElection;
import io.github.election.LeaderTask;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.SettingValues;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
        "When the command ends by itself while leading, elect stops what it left running, "
            + "releases leadership and exits with the command's exit code. On SIGTERM or "
            + "SIGINT, elect stops the command, releases leadership and exits (143 or 130).",
        "The command runs in a session of its own (setsid, Linux): stopping it stops every "
            + "process it started that did not leave that session, and a watchdog process "
            + "kills them all when elect itself dies, even by SIGKILL. Its standard input is "
            + "elect's (/dev/null where Linux cannot reopen it, as for a socket); it does not "
            + "see " + BackendOptions.ENVIRONMENT + "."},
    footer = {"", "Exit codes: the command's own code when it ended by itself (127: not "
        + "found); 1 no setsid command on the PATH; 2 bad usage; 3 no answer from the store "
        + "within --connect-timeout."})
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
      throw new IllegalArgumentException("--grace (" + SettingValues.format(grace)
          + ") must be at least 0 and shorter than --lease-duration - --renew-deadline ("
          + SettingValues.format(margin) + "): the command must be gone before another "
          + "candidate can lead");
    }
    Path setsid = CommandSession.setsid().orElseThrow(() -> new IllegalStateException(
        "elect run needs the setsid command (util-linux or busybox) on the PATH, to run the "
            + "command in a session of its own"));
    CompletableFuture<Integer> endedByItself = new CompletableFuture<>();
    ElectionBackend store = options.open();
    LeaderElection election;
    try {
      election = options.builder(store)
          .whileLeader(task(setsid, err, endedByItself))
          .drainTimeout(grace.plus(KILL_WAIT).plusSeconds(1))
          .build();
    } catch (RuntimeException e) {
      store.close(); // refused settings: nothing stays open
      throw e;
    }
    ControlSocket control = ControlSocket.open(election, err);
    AtomicBoolean closed = new AtomicBoolean();
    Runnable shutdown = () -> {
      if (closed.compareAndSet(false, true)) {
        control.close();
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

  private LeaderTask task(Path setsid, PrintWriter err,
      CompletableFuture<Integer> endedByItself) {
    return term -> {
      Map<String, String> env = new HashMap<>();
      env.put("ELECT_ELECTION", options.election);
      env.put("ELECT_IDENTITY", options.identity());
      env.put("ELECT_TERM", Long.toString(term));
      env.put(BackendOptions.ENVIRONMENT, null); // it may hold a password
      CommandSession session;
      try {
        session = CommandSession.start(setsid, command, env);
      } catch (IOException e) {
        endedByItself.completeExceptionally(e);
        return;
      }
      err.printf("elect: leading in term %d: started %s (pid %d, its own session)%n", term,
          command, session.id());
      err.flush();
      int code;
      try {
        code = session.waitFor();
      } catch (InterruptedException lost) {
        err.printf("elect: not leader any more: stopping pid %d and every process of its "
            + "session (SIGTERM)%n", session.id());
        err.flush();
        stop(session, err);
        return;
      }
      err.printf("elect: the command ended by itself with code %d%n", code);
      err.flush();
      if (!CommandSession.members(session.id()).isEmpty()) {
        err.printf("elect: stopping what the command left running in its session %d "
            + "(SIGTERM)%n", session.id());
        err.flush();
      }
      stop(session, err);
      endedByItself.complete(code);
    };
  }

  private void stop(CommandSession session, PrintWriter err) {
    List<CommandSession.Member> left = session.stop(grace, KILL_WAIT, () -> {
      err.printf("elect: processes of session %d still running after %s: SIGKILL%n",
          session.id(), SettingValues.format(grace));
      err.flush();
    });
    if (left.isEmpty()) {
      err.printf("elect: session %d stopped%n", session.id());
    } else {
      err.printf("elect: session %d: pids %s still running %s after SIGKILL%n", session.id(),
          left.stream().map(m -> Long.toString(m.pid())).toList(),
          SettingValues.format(KILL_WAIT));
    }
    err.flush();
  }
}
