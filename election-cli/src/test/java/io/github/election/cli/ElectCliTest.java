package io.github.election.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code elect} run in this JVM: what it prints for URIs with secrets, and where it reads them. */
class ElectCliTest {

  /** One run of the command line: its exit code, output and errors. */
  record Run(int code, String out, String err) {

    static Run of(String... args) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Elect.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
      return new Run(code, out.toString(), err.toString());
    }

    String all() {
      return out + err;
    }
  }

  @Nested
  class SecretsAreNeverPrinted {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        // picocli's URI converter used to echo this one whole
        "zoo keeper://bob:hunter2@127.0.0.1:1/x | '***' is not a URI",
        "zookeeper://bob:hunter2@[127.0.0.1:1/x | 'zookeeper:***' is not a URI",
        // opaque: no // after the scheme
        "zookeeper:bob:hunter2@127.0.0.1:1/x | zookeeper:bob:***@127.0.0.1:1/x",
        "etcd:root:hunter2@127.0.0.1:2379 | etcd:root:***@127.0.0.1:2379",
        "etcd:127.0.0.1:2379?user=root&password=hunter2 | etcd:127.0.0.1:2379?user=root&password=***",
        // a key that decodes to password
        "zookeeper://127.0.0.1:1/x?pass%77ord=hunter2 | zookeeper://127.0.0.1:1/x?pass%77ord=***",
        // user information without a colon: a token
        "zookeeper://hunter2@127.0.0.1:1/x | zookeeper://***@127.0.0.1:1/x",
        "kubernetes://admin:hunter2@api:6443/ns | kubernetes://admin:***@api:6443/ns",
        "kubernetes://hunter2@api:6443/ns | kubernetes://***@api:6443/ns",
        "kubernetes:///ns?token=hunter2 | kubernetes:///ns?token=***",
        "consul://bob:hunter2@127.0.0.1:8500 | consul://bob:***@127.0.0.1:8500",
        // a provider that prints the URI as it is: ElectionBackends.open scrubs its message
        "memory:///y?token=hunter2 | memory:///y?token=***",
    })
    void aRefusedBackendIsShownRedacted(String uri, String shown) {
      for (String command : new String[] {"status", "run", "serve"}) {
        Run run = command.equals("run")
            ? Run.of(command, "--backend", uri, "--election", "x", "--", "true")
            : Run.of(command, "--backend", uri, "--election", "x");
        assertThat(run.code()).as("%s: %s", command, run).isEqualTo(Elect.USAGE);
        assertThat(run.err()).as(command).contains(shown);
        assertThat(run.all()).as(command).doesNotContain("hunter2");
      }
      Run inline = Run.of("status", "--backend=" + uri, "--election", "x");
      assertThat(inline.err()).contains(shown);
      assertThat(inline.all()).doesNotContain("hunter2");
    }

    @Test
    void picocliDoesNotEchoArgumentsItDoesNotKnow() {
      Run run = Run.of("status", "--backnd", "zookeeper://bob:hunter2@127.0.0.1:1/x",
          "--election", "x");
      assertThat(run.code()).isEqualTo(Elect.USAGE);
      assertThat(run.err()).contains("zookeeper://bob:***@127.0.0.1:1/x");
      assertThat(run.all()).doesNotContain("hunter2");

      Run value = Run.of("status", "--backend", "memory://x", "--election", "x", "--timeout",
          "zookeeper:bob:hunter2@h?x");
      assertThat(value.code()).isEqualTo(Elect.USAGE);
      assertThat(value.err()).contains("--timeout").contains("zookeeper:bob:***@h?x");
      assertThat(value.all()).doesNotContain("hunter2");
    }

    @Test
    void argumentsWithoutSecretsAreShownAsGiven() {
      assertThat(Elect.redactArguments("bad: 'soon' and 'memory://x'", "soon", "memory://x"))
          .isEqualTo("bad: 'soon' and 'memory://x'");
      assertThat(Elect.redactArguments("'a b' and 'x?token=t0k'", "a b", "--b=x?token=t0k"))
          .isEqualTo("'a b' and 'x?token=***'");
    }
  }

  @Nested
  class TheBackendFromAFile {

    @TempDir
    Path dir;

    private Path file(String content) throws IOException {
      return Files.writeString(dir.resolve("backend"), content);
    }

    @Test
    void isReadAsOneLine() throws IOException {
      Path f = file("memory://from-file\n");
      Run run = Run.of("status", "--backend-file", f.toString(), "--election", "x");
      assertThat(run.code()).as("%s", run).isEqualTo(Elect.FAILURE); // nobody leads
      assertThat(run.out()).contains("leader:   none");
    }

    @Test
    void whoseUriIsRefusedIsShownRedacted() throws IOException {
      Path f = file("zookeeper://bob:hunter2@127.0.0.1:1/x?token=hunter2\n");
      Run run = Run.of("run", "--backend-file", f.toString(), "--election", "x",
          "--renew-deadline", "20s", "--", "true"); // refused settings: the URI is not needed
      assertThat(run.code()).isEqualTo(Elect.USAGE);
      assertThat(run.all()).doesNotContain("hunter2");

      Path bad = file("zoo keeper://bob:hunter2@h:1/x\n");
      Run malformed = Run.of("status", "--backend-file", bad.toString(), "--election", "x");
      assertThat(malformed.code()).isEqualTo(Elect.USAGE);
      assertThat(malformed.err()).contains("the URI in --backend-file " + bad + " '***' is not a URI");
      assertThat(malformed.all()).doesNotContain("hunter2");
    }

    @Test
    void thatIsMissingEmptyOrLongerThanALineIsRefusedWithoutShowingIt() throws IOException {
      Run missing = Run.of("status", "--backend-file", dir.resolve("none").toString(),
          "--election", "x");
      assertThat(missing.code()).isEqualTo(Elect.USAGE);
      assertThat(missing.err()).contains("--backend-file " + dir.resolve("none") + ": no such file");

      Path empty = file(" \n");
      assertThat(Run.of("status", "--backend-file", empty.toString(), "--election", "x").err())
          .contains("is empty");

      Path two = file("memory://x\nhunter2\n");
      Run lines = Run.of("status", "--backend-file", two.toString(), "--election", "x");
      assertThat(lines.code()).isEqualTo(Elect.USAGE);
      assertThat(lines.err()).contains("has more than one line");
      assertThat(lines.all()).doesNotContain("hunter2");
    }

    @Test
    void andTheOptionTogetherAreRefused() throws IOException {
      Path f = file("memory://x");
      Run both = Run.of("status", "--backend", "memory://y", "--backend-file", f.toString(),
          "--election", "x");
      assertThat(both.code()).isEqualTo(Elect.USAGE);
      assertThat(both.err()).contains("--backend or --backend-file, not both");
    }

    @Test
    void orTheEnvironmentIsNeeded() {
      Run none = Run.of("status", "--election", "x");
      if (System.getenv(BackendOptions.ENVIRONMENT) == null) {
        assertThat(none.code()).isEqualTo(Elect.USAGE);
        assertThat(none.err()).contains("no store given: use --backend URI, --backend-file PATH "
            + "or the environment variable ELECT_BACKEND");
      }
      assertThat(Run.of("status", "--help").out()).contains("--backend-file=PATH")
          .contains("ELECT_BACKEND");
    }
  }

  @Nested
  class StatusWatch {

    /**
     * {@code status --watch} follows an election without taking part (no record of its own):
     * a line when it first looks (a leads), one when the leader left.
     */
    @Test
    void printsEveryChangeOfLeader() throws Exception {
      io.github.election.memory.InMemoryElectionStore store =
          io.github.election.memory.InMemoryElectionStore.named("status-watch");
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      try (io.github.election.spi.ElectionBackend client = store.connect()) {
        io.github.election.LeaderElection a = io.github.election.LeaderElection.builder(client)
            .name("jobs").identity("a").build();
        a.start();
        assertThat(a.await(io.github.election.LeadershipEvent::isLeader,
            java.time.Duration.ofSeconds(10))).as("a leads").isTrue();
        java.util.concurrent.CompletableFuture<Integer> code =
            new java.util.concurrent.CompletableFuture<>();
        Thread watching = new Thread(() -> code.complete(Elect.execute(
            new PrintWriter(out, true), new PrintWriter(err, true), "status", "--backend",
            "memory://status-watch", "--election", "jobs", "--watch", "--changes", "2")),
            "status-watch");
        watching.start();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
            .until(() -> out.toString().contains("leader a term"));
        assertThat(store.recordCount("jobs")).as("records: the candidate's only").isEqualTo(1);
        a.close();
        assertThat(code.completeOnTimeout(-1, 10, java.util.concurrent.TimeUnit.SECONDS).get())
            .as(out + "/" + err).isEqualTo(Elect.OK);
      }
      assertThat(out.toString().lines().map(l -> l.substring(l.indexOf(' ') + 1)))
          .containsExactly("leader a term 1", "no leader");
    }
  }

  @Nested
  class Resign {

    /**
     * {@code elect resign --to} reaches the leader's process through its control socket: the
     * named candidate leads next, though another was in line before it.
     */
    @Test
    void handsLeadershipToTheNamedCandidate(@TempDir Path dir) throws Exception {
      System.setProperty("elect.control.dir", dir.toString());
      io.github.election.memory.InMemoryElectionStore store =
          new io.github.election.memory.InMemoryElectionStore();
      java.util.List<io.github.election.LeaderElection> group = new java.util.ArrayList<>();
      try (io.github.election.spi.ElectionBackend client = store.connect()) {
        for (String id : new String[] {"a", "b", "c"}) {
          io.github.election.LeaderElection e = io.github.election.LeaderElection
              .builder(client).name("jobs").identity(id).build();
          group.add(e);
          e.start();
          assertThat(e.await(v -> v.state() != io.github.election.LeadershipState.UNKNOWN,
              java.time.Duration.ofSeconds(10))).isTrue();
        }
        io.github.election.LeaderElection a = group.get(0);
        assertThat(a.isLeader()).as("a, the first, leads").isTrue();
        try (ControlSocket control = ControlSocket.open(a, new PrintWriter(new StringWriter()))) {
          Run run = Run.of("resign", "--election", "jobs", "--to", "c");
          assertThat(run.code()).as(run.all()).isEqualTo(Elect.OK);
          assertThat(run.out()).isEqualTo(ProcessHandle.current().pid() + " ok\n");
          assertThat(group.get(2).await(io.github.election.LeadershipEvent::isLeader,
              java.time.Duration.ofSeconds(10))).as("c leads").isTrue();
          assertThat(Run.of("resign", "--election", "other").code()).as("no process of it")
              .isEqualTo(Elect.FAILURE);
        }
        assertThat(dir).isEmptyDirectory();
      } finally {
        group.forEach(io.github.election.LeaderElection::close);
        System.clearProperty("elect.control.dir");
      }
    }
  }

  @Nested
  class Priority {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--priority | -1 | --priority must be 0 or more (0 is the default and the lowest), got -1",
        "--priority | high | --priority 'high' is not a whole number from 0 to 2147483647",
        "--priority | 99999999999 | --priority '99999999999' is not a whole number",
        "--preemptive | -PT5S | --preemptive must not be negative, got -PT5S",
        "--preemptive | -5s | --preemptive '-5s' is not a duration",
        "--preemptive | soon | --preemptive 'soon' is not a duration",
        "--preemptive | 48h | --preemptive must be at most",
    })
    void aBadValueIsRefusedNamingTheOptionAndTheValue(String option, String value,
        String message) {
      for (String command : new String[] {"run", "serve"}) {
        Run run = command.equals("run")
            ? Run.of(command, "--backend", "memory://priority-refused", "--election", "x",
                option + "=" + value, "--", "true")
            : Run.of(command, "--backend", "memory://priority-refused", "--election", "x",
                option + "=" + value);
        assertThat(run.code()).as(command + ": " + run.all()).isEqualTo(Elect.USAGE);
        assertThat(run.err()).as(command).contains(message);
      }
    }

    @Test
    void theOptionsReachTheBuilder() {
      ElectionOptions options = new ElectionOptions();
      options.leaseDuration = java.time.Duration.ofSeconds(15);
      options.priority = "7";
      assertThat(options.priority()).isEqualTo(7);
      assertThat(options.preemptAfter()).as("without --preemptive").isNull();
      options.preemptive = ElectionOptions.PREEMPT_AFTER_LEASE;
      assertThat(options.preemptAfter()).as("--preemptive alone: D")
          .isEqualTo(java.time.Duration.ofSeconds(15));
      options.preemptive = "1.5s";
      assertThat(options.preemptAfter()).isEqualTo(java.time.Duration.ofMillis(1500));
    }

    /**
     * Two candidates built from the options as {@code run} and {@code serve} build them, of
     * priorities 0 and 5, with {@code --preemptive=200ms}: the one of priority 0 starts first
     * and leads; the one of priority 5 leads once it has been open for 200 ms.
     */
    @Test
    void aPreemptiveCandidateHandsOverToTheHigherPriority() throws Exception {
      io.github.election.memory.InMemoryElectionStore store =
          new io.github.election.memory.InMemoryElectionStore();
      java.util.List<io.github.election.LeaderElection> group = new java.util.ArrayList<>();
      try (io.github.election.spi.ElectionBackend client = store.connect()) {
        for (String[] who : new String[][] {{"low", "0"}, {"high", "5"}}) {
          ElectionOptions options = new ElectionOptions();
          options.election = "jobs";
          options.identity = who[0];
          options.leaseDuration = java.time.Duration.ofSeconds(1);
          options.renewDeadline = java.time.Duration.ofMillis(700);
          options.retryPeriod = java.time.Duration.ofMillis(100);
          options.priority = who[1];
          options.preemptive = "200ms";
          io.github.election.LeaderElection e = options.builder(client).build();
          group.add(e);
          e.start();
          assertThat(e.await(v -> v.state() != io.github.election.LeadershipState.UNKNOWN,
              java.time.Duration.ofSeconds(10))).isTrue();
        }
        assertThat(group.get(1).await(io.github.election.LeadershipEvent::isLeader,
            java.time.Duration.ofSeconds(10))).as("high leads").isTrue();
        assertThat(store.leaderOf("jobs")).contains("high");
      } finally {
        group.forEach(io.github.election.LeaderElection::close);
      }
    }
  }
}
