package io.github.election.cli;

import io.github.election.spi.ElectionSettings;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code elect}: leader election from the command line.
 *
 * <p>Exit codes: 0 success; 1 nobody leads ({@code status}) or a failure; 2 bad usage (unknown
 * option, bad URI, unknown scheme); 3 the store did not answer in time; for {@code run}, the
 * command's own exit code when it ends by itself while leading.
 */
@Command(name = "elect", mixinStandardHelpOptions = true, version = "elect 0.1.0",
    description = "Leader election on ZooKeeper, etcd or Kubernetes from the command line.",
    subcommands = {DemoCommand.class, RunCommand.class, StatusCommand.class, ServeCommand.class},
    footer = {"", "Backends by URI: zookeeper://host:2181/path, etcd://host:2379, "
        + "kubernetes:///namespace, memory://name (in-process).",
        "Exit codes: 0 ok, 1 nobody leads or failure, 2 usage, 3 store unreachable; "
            + "'run' exits with its command's code."})
public final class Elect implements Runnable {

  /** gRPC (under jetcd) logs through java.util.logging: its start-up chatter stays out. */
  private static final java.util.logging.Logger GRPC_LOG =
      java.util.logging.Logger.getLogger("io.grpc");

  static final int OK = 0;
  static final int FAILURE = 1;
  static final int USAGE = 2;
  static final int UNREACHABLE = 3;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  private Elect() {
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /** The entry point. */
  public static void main(String[] args) {
    GRPC_LOG.setLevel(java.util.logging.Level.WARNING);
    int code;
    try {
      code = execute(args);
    } catch (Throwable t) {
      // an Error escaped the command: report it and exit, so that no non-daemon thread of a
      // store client keeps the process alive
      System.err.println("elect: internal error: " + t);
      t.printStackTrace();
      code = FAILURE;
    }
    System.exit(code);
  }

  /** Runs a command line and returns its exit code. */
  static int execute(String... args) {
    CommandLine cl = new CommandLine(new Elect());
    cl.registerConverter(Duration.class, text -> ElectionSettings.parseDuration(text, "duration"));
    cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException
        || e instanceof IllegalArgumentException ? USAGE : FAILURE);
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      // Exceptions only; Errors reach main()
      PrintWriter err = commandLine.getErr();
      if (e instanceof IllegalArgumentException) {
        err.println("elect: " + e.getMessage());
        return USAGE;
      }
      err.println("elect: " + e);
      return FAILURE;
    });
    return cl.execute(args);
  }
}
