package io.github.election.cli;

import io.github.election.ElectionBackends;
import io.github.election.spi.SettingValues;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * {@code elect}: leader election from the command line.
 *
 * <p>Exit codes: 0 success; 1 nobody leads ({@code status}) or a failure; 2 bad usage (unknown
 * option, bad URI, unknown scheme); 3 the store did not answer in time; for {@code run}, the
 * command's own exit code when it ends by itself while leading.
 *
 * <p>Secrets: messages show backend URIs (and any argument with {@code @}, {@code ?} or
 * {@code #}) redacted by {@link ElectionBackends#redact(String)}; the URI can be given without
 * the command line through {@code --backend-file} or {@code ELECT_BACKEND}.
 */
@Command(name = "elect", mixinStandardHelpOptions = true, version = "elect 0.1.0",
    description = "Leader election on ZooKeeper, etcd, Kubernetes or PostgreSQL from the command line.",
    subcommands = {DemoCommand.class, RunCommand.class, StatusCommand.class, ServeCommand.class},
    footer = {"", "Backends by URI: zookeeper://host:2181/path, etcd://host:2379, "
        + "kubernetes:///namespace, postgresql://user@host:5432/database, "
        + "memory://name (in-process).",
        "Give a URI with a password with --backend-file PATH or the environment variable "
            + BackendOptions.ENVIRONMENT + ", not --backend: other users see command lines "
            + "(ps). Messages print passwords and tokens as ***.",
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
      java.io.StringWriter trace = new java.io.StringWriter();
      t.printStackTrace(new PrintWriter(trace));
      System.err.println("elect: internal error: " + redactArguments(trace.toString(), args));
      code = FAILURE;
    }
    System.exit(code);
  }

  /** Runs a command line and returns its exit code. */
  static int execute(String... args) {
    return execute(null, null, args);
  }

  /**
   * Runs a command line with its output and errors written to the given writers (null: the
   * process's own) and returns its exit code.
   *
   * <p>No message shows a secret of the command line: every argument that may hold one (one with
   * {@code @}, {@code ?} or {@code #}, such as a backend URI, also as the value of
   * {@code --option=value}) is shown as {@link ElectionBackends#redact(String)} does, also in
   * picocli's own messages about a value it cannot convert or an argument it does not know.
   */
  static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new Elect());
    if (out != null) {
      cl.setOut(out);
    }
    if (err != null) {
      cl.setErr(err);
    }
    cl.registerConverter(Duration.class, text -> SettingValues.parseDuration(text, "duration"));
    cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException
        || e instanceof IllegalArgumentException ? USAGE : FAILURE);
    cl.setParameterExceptionHandler((e, arguments) -> {
      // picocli's default handler, with the message redacted: it may quote any argument
      CommandLine commandLine = e.getCommandLine();
      PrintWriter w = commandLine.getErr();
      w.println(commandLine.getColorScheme().errorText(redactArguments(e.getMessage(), args)));
      if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, w)) {
        commandLine.usage(w, commandLine.getColorScheme());
      }
      w.flush();
      return USAGE;
    });
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      // Exceptions only; Errors reach main()
      PrintWriter w = commandLine.getErr();
      if (e instanceof IllegalArgumentException) {
        w.println("elect: " + redactArguments(e.getMessage(), args));
        w.flush();
        return USAGE;
      }
      w.println("elect: " + redactArguments(e.toString(), args));
      w.flush();
      return FAILURE;
    });
    return cl.execute(args);
  }

  /**
   * A message with every argument that may hold a secret replaced by its redacted form, longest
   * first (an argument may contain another).
   */
  static String redactArguments(String message, String... args) {
    if (message == null) {
      return null;
    }
    List<String> secretive = new ArrayList<>();
    for (String arg : args) {
      secretive.add(arg);
      int eq = arg.indexOf('=');
      if (arg.startsWith("-") && eq > 0) {
        secretive.add(arg.substring(eq + 1));
      }
    }
    secretive.removeIf(a -> a.isEmpty() || a.chars().noneMatch(c -> c == '@' || c == '?' || c == '#'));
    secretive.sort(Comparator.comparingInt(String::length).reversed());
    String shown = message;
    for (String arg : secretive) {
      String redacted = arg.startsWith("-") && arg.indexOf('=') > 0
          ? arg.substring(0, arg.indexOf('=') + 1) + ElectionBackends.redact(arg.substring(arg.indexOf('=') + 1))
          : ElectionBackends.redact(arg);
      shown = shown.replace(arg, redacted);
    }
    return shown;
  }
}
