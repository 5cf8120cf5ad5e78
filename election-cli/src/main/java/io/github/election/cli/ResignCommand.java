package io.github.election.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code elect resign}: tells the running {@code elect run}/{@code serve} of an election to resign. */
@Command(name = "resign", mixinStandardHelpOptions = true,
    description = {"Tells the elect run and elect serve processes of this user on this machine "
        + "that take part in ELECTION to resign; with --to, to hand leadership over to the "
        + "candidate of that identity. Only the leader gives anything up; the others answer "
        + "'ok not-leading'.",
        "It reaches them through Unix domain sockets in $XDG_RUNTIME_DIR/elect (else "
            + "/tmp/elect-USER), a directory only this user may enter: nothing is reachable "
            + "from the network. Prints one line per process: its pid and its answer."},
    footer = {"", "Exit codes: 0 the leader resigned; 1 no process of this election leads here "
        + "(or none runs); 2 bad usage."})
final class ResignCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--election", required = true, paramLabel = "NAME",
      description = "The election's name")
  String election;

  @Option(names = "--to", paramLabel = "IDENTITY",
      description = "The identity of the candidate to lead next")
  String successor;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    List<String> answers = ControlSocket.resign(election, successor);
    answers.forEach(out::println);
    out.flush();
    return answers.stream().anyMatch(a -> a.endsWith(" ok")) ? Elect.OK : Elect.FAILURE;
  }
}
