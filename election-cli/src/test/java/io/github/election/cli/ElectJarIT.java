package io.github.election.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.election.testing.TcpProxy;
import io.github.election.zookeeper.testing.EmbeddedZooKeeper;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the built elect.jar as a child process against a ZooKeeper started by the test. */
class ElectJarIT {

  @TempDir
  Path dir;

  private EmbeddedZooKeeper zk;
  private final List<ElectProcess> processes = new ArrayList<>();

  @BeforeEach
  void startZooKeeper() {
    zk = EmbeddedZooKeeper.start();
  }

  @AfterEach
  void stopAll() {
    processes.forEach(ElectProcess::close);
    zk.close();
  }

  private ElectProcess elect(String... args) {
    ElectProcess p = ElectProcess.start(dir, args);
    processes.add(p);
    return p;
  }

  private ElectProcess elect(Map<String, String> environment, String... args) {
    ElectProcess p = ElectProcess.start(dir, environment, args);
    processes.add(p);
    return p;
  }

  private String backend() {
    return "zookeeper://" + zk.connectString() + "/it?sessionTimeout=3s";
  }

  private String[] timings() {
    return new String[] {"--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period",
        "250ms"};
  }

  @Test
  void demoPrintsItsTimelineAndEnds() {
    ElectProcess demo = elect("demo");
    assertThat(demo.waitFor(60)).as("exit code of %s", demo).isZero();
    String out = demo.out();
    assertThat(out).contains("starting ZooKeeper in this process").contains("LEADER")
        .contains("FOLLOWER").contains("crashes").contains("resigns")
        .containsPattern("failover \\(leader crashed -> next LEADER\\): +\\d+\\.\\d ms")
        .containsPattern("handover \\(leader resigned -> next LEADER\\): +\\d+\\.\\d ms")
        .contains("all closed");
  }

  @Test
  void runStartsTheCommandOnlyOnTheLeaderAndMovesItWithLeadership() throws IOException {
    // the command leaves a child behind that ignores SIGTERM: elect must not let it outlive
    // the leadership
    String script = "trap 'rm -f \"$ELECT_IDENTITY\"; exit 0' TERM; "
        + "(trap '' TERM; while true; do sleep 0.1; done) & echo $! > \"$ELECT_IDENTITY.child\"; "
        + "echo \"$ELECT_TERM\" > \"$ELECT_IDENTITY\"; while true; do sleep 0.1; done";
    List<String> common = new ArrayList<>(List.of("run", "--backend", backend(), "--election",
        "jobs"));
    common.addAll(List.of(timings()));
    List<String> a = new ArrayList<>(common);
    a.addAll(List.of("--identity", "a", "--grace", "500ms", "--", "sh", "-c", script));
    ElectProcess first = elect(a.toArray(String[]::new));
    await("a's command runs").atMost(Duration.ofSeconds(20)).until(() -> Files.exists(dir.resolve("a")));

    List<String> b = new ArrayList<>(common);
    b.addAll(List.of("--identity", "b", "--", "sh", "-c", script));
    ElectProcess second = elect(b.toArray(String[]::new));
    await("b follows a").atMost(Duration.ofSeconds(20))
        .until(() -> second.err().contains("FOLLOWER leader=a"));
    assertThat(dir.resolve("b")).doesNotExist();

    ElectProcess status = elect("status", "--backend", backend(), "--election", "jobs");
    assertThat(status.waitFor(30)).as("%s", status).isZero();
    assertThat(status.out()).contains("leader:   a").containsPattern("term: +\\d+");

    first.terminate(); // SIGTERM: stops its command, releases leadership
    assertThat(first.waitFor(30)).as("exit code of the terminated elect: %s", first).isEqualTo(143);
    assertThat(dir.resolve("a")).as("a's command was stopped").doesNotExist();
    long child = Long.parseLong(Files.readString(dir.resolve("a.child")).trim());
    await("the child " + child + " of a's command, which ignores SIGTERM, is gone")
        .atMost(Duration.ofSeconds(5))
        .until(() -> !ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false));
    await("b's command runs once a left").atMost(Duration.ofSeconds(10))
        .until(() -> Files.exists(dir.resolve("b")));
    long termA = 0;
    long termB = Long.parseLong(Files.readString(dir.resolve("b")).trim());
    Matcher m = Pattern.compile("leading in term (\\d+)").matcher(first.err());
    if (m.find()) {
      termA = Long.parseLong(m.group(1));
    }
    assertThat(termB).as("term of b after a").isGreaterThan(termA);
  }

  @Test
  void runExitsWithTheCodeOfACommandThatEndsByItself() {
    List<String> args = new ArrayList<>(List.of("run", "--backend", backend(), "--election",
        "once"));
    args.addAll(List.of(timings()));
    args.addAll(List.of("--", "sh", "-c", "exit 7"));
    ElectProcess run = elect(args.toArray(String[]::new));
    assertThat(run.waitFor(30)).as("%s", run).isEqualTo(7);
  }

  @Test
  void runStopsWhatACommandThatEndsByItselfLeftRunning() throws IOException {
    // the command leaves a child behind that ignores SIGTERM (it says so through a FIFO once
    // it does), and ends
    String script = "mkfifo ready; sh -c \"trap '' TERM; echo \\$\\$ > left; echo > ready; "
        + "while true; do sleep 1; done\" & read _ < ready; exit 3";
    List<String> args = new ArrayList<>(List.of("run", "--backend", backend(), "--election",
        "leftovers", "--grace", "300ms"));
    args.addAll(List.of(timings()));
    args.addAll(List.of("--", "sh", "-c", script));
    ElectProcess run = elect(args.toArray(String[]::new));
    assertThat(run.waitFor(30)).as("%s", run).isEqualTo(3);
    long left = Long.parseLong(Files.readString(dir.resolve("left")).trim());
    assertThat(running(left)).as("the child %d the command left behind, when elect ended: %s",
        left, run).isFalse();
    assertThat(run.err()).contains("stopping what the command left running")
        .contains("SIGKILL");
  }

  @Test
  void runLeavesNothingRunningWhenElectIsKilledWithSigkill() throws IOException {
    // the command and a child of it that ignores SIGTERM; both must go with elect
    String script = "sh -c \"trap '' TERM; while true; do sleep 1; done\" & echo $! > child; "
        + "echo $$ > command; while true; do sleep 0.1; done";
    List<String> args = new ArrayList<>(List.of("run", "--backend", backend(), "--election",
        "killed"));
    args.addAll(List.of(timings()));
    args.addAll(List.of("--", "sh", "-c", script));
    ElectProcess run = elect(args.toArray(String[]::new));
    await("the command runs").atMost(Duration.ofSeconds(20))
        .until(() -> Files.exists(dir.resolve("child")) && Files.exists(dir.resolve("command")));
    long command = readPid("command");
    long child = readPid("child");
    long session = CommandSession.Stat.read(command).orElseThrow().session();
    assertThat(session).as("the command leads its own session").isEqualTo(command);
    assertThat(CommandSession.Stat.read(child).orElseThrow().session()).isEqualTo(session);
    List<Long> watchdogs = watchdogsOf(run.process.pid());
    assertThat(watchdogs).as("the watchdog of session %d", session).hasSize(1);

    run.kill();
    await("the command, its child and the watchdog are gone after elect's SIGKILL")
        .atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> !running(command) && !running(child)
            && CommandSession.members(session).isEmpty() && !running(watchdogs.get(0)));
  }

  @Test
  void runStopsTheWholeSessionWhenLeadershipIsLost() throws IOException {
    try (TcpProxy proxy = new TcpProxy("127.0.0.1", zk.port())) {
      String script = "sh -c \"trap '' TERM; while true; do sleep 1; done\" & echo $! > child; "
          + "echo $$ > command; while true; do sleep 0.1; done";
      List<String> args = new ArrayList<>(List.of("run", "--backend", "zookeeper://"
          + proxy.address() + "/it?sessionTimeout=3s", "--election", "lost"));
      args.addAll(List.of(timings()));
      args.addAll(List.of("--", "sh", "-c", script));
      ElectProcess run = elect(args.toArray(String[]::new));
      await("the command runs").atMost(Duration.ofSeconds(20))
          .until(() -> Files.exists(dir.resolve("child")) && Files.exists(dir.resolve("command")));
      long command = readPid("command");
      long child = readPid("child");

      proxy.cut(); // elect cannot confirm its leadership: after R it stops the command
      await("the command and its child, which ignores SIGTERM, are gone once leadership is lost")
          .atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50))
          .until(() -> !running(command) && !running(child)
              && CommandSession.members(command).isEmpty());
      assertThat(run.err()).contains("not leader any more").contains("SIGKILL");
      assertThat(run.process.isAlive()).as("elect goes on, to lead again").isTrue();
    }
  }

  @Test
  void theBackendCanComeFromTheEnvironmentWhichTheCommandDoesNotSee() throws IOException {
    Map<String, String> env = Map.of(BackendOptions.ENVIRONMENT, backend());
    List<String> args = new ArrayList<>(List.of("run", "--election", "env"));
    args.addAll(List.of(timings()));
    args.addAll(List.of("--", "sh", "-c",
        "echo \"${" + BackendOptions.ENVIRONMENT + "-unset} $ELECT_TERM\" > seen"));
    ElectProcess run = elect(env, args.toArray(String[]::new));
    assertThat(run.waitFor(30)).as("%s", run).isZero();
    assertThat(Files.readString(dir.resolve("seen"))).startsWith("unset ");

    ElectProcess status = elect(env, "status", "--election", "env");
    assertThat(status.waitFor(30)).as("%s", status).isEqualTo(1); // it released leadership
    assertThat(status.out()).contains("leader:   none");
  }

  private long readPid(String file) throws IOException {
    return Long.parseLong(Files.readString(dir.resolve(file)).trim());
  }

  /** Running: not ended, and not a zombie (which nothing may reap where the tests run). */
  private static boolean running(long pid) {
    return CommandSession.Member.of(pid).isPresent();
  }

  /** The watchdog processes elect started. */
  private static List<Long> watchdogsOf(long elect) {
    List<Long> found = new ArrayList<>();
    ProcessHandle.of(elect).orElseThrow().children().forEach(h -> {
      try {
        String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(h.pid()),
            "cmdline")), StandardCharsets.UTF_8);
        if (cmdline.contains("\0elect-watchdog") && running(h.pid())) {
          found.add(h.pid());
        }
      } catch (IOException gone) {
        // ended meanwhile
      }
    });
    return found;
  }

  @Test
  void serveAnswersLeaderAndHealth() throws Exception {
    List<String> args = new ArrayList<>(List.of("serve", "--backend", backend(), "--election",
        "web", "--identity", "s1", "--port", "0"));
    args.addAll(List.of(timings()));
    ElectProcess serve = elect(args.toArray(String[]::new));
    Pattern address = Pattern.compile("serving (http://127\\.0\\.0\\.1:\\d+)/leader");
    await("serve prints its address").atMost(Duration.ofSeconds(20))
        .until(() -> address.matcher(serve.out()).find());
    Matcher m = address.matcher(serve.out());
    assertThat(m.find()).isTrue();
    String base = m.group(1);
    HttpClient http = HttpClient.newHttpClient();
    await("/leader shows s1 leading").atMost(Duration.ofSeconds(20)).until(() -> http.send(
        HttpRequest.newBuilder(URI.create(base + "/leader")).build(),
        HttpResponse.BodyHandlers.ofString()).body().contains("\"state\":\"LEADER\""));
    HttpResponse<String> leader = http.send(HttpRequest.newBuilder(URI.create(base + "/leader"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(leader.statusCode()).isEqualTo(200);
    assertThat(leader.body()).contains("\"election\":\"web\"").contains("\"leader\":\"s1\"")
        .containsPattern("\"term\":[1-9]");
    HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/healthz"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(base + "/healthz"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    HttpResponse<String> withQuery = http.send(HttpRequest.newBuilder(URI.create(base
        + "/healthz?verbose=1")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(withQuery.statusCode()).isEqualTo(200);

    for (String path : List.of("/", "/leaderx", "/leader/x", "/healthz/", "/healthzz", "/x")) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("GET %s", path).isEqualTo(404);
    }
    for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS")) {
      for (String path : List.of("/leader", "/healthz")) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
            .method(method, HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s", method, path).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).as("%s %s", method, path)
            .hasValue("GET, HEAD");
      }
    }
    serve.terminate();
    assertThat(serve.waitFor(30)).isEqualTo(143);
  }

  @Test
  void serveAnswersHealthWhileClientsHoldHalfSentRequests() throws Exception {
    List<String> args = new ArrayList<>(List.of("serve", "--backend", backend(), "--election",
        "slow", "--identity", "s1", "--port", "0"));
    args.addAll(List.of(timings()));
    ElectProcess serve = elect(args.toArray(String[]::new));
    Pattern address = Pattern.compile("serving http://127\\.0\\.0\\.1:(\\d+)/leader");
    await("serve prints its address").atMost(Duration.ofSeconds(20))
        .until(() -> address.matcher(serve.out()).find());
    Matcher m = address.matcher(serve.out());
    assertThat(m.find()).isTrue();
    int port = Integer.parseInt(m.group(1));
    URI healthz = URI.create("http://127.0.0.1:" + port + "/healthz");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    await("s1 leads").atMost(Duration.ofSeconds(20)).until(() -> http.send(
        HttpRequest.newBuilder(healthz).build(), HttpResponse.BodyHandlers.ofString())
        .body().contains("LEADER"));

    // more stuck clients than the two worker threads there used to be, each half-way through
    // its request (no empty line after the headers), and never finishing it
    List<Socket> stuck = new ArrayList<>();
    try {
      for (int i = 0; i < 10; i++) {
        Socket s = new Socket("127.0.0.1", port);
        stuck.add(s);
        s.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
            + i).getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
      }
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(healthz)
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("/healthz answered in")
            .isLessThan(Duration.ofSeconds(2));
      }
      // and the server closes the stuck connections after its request time
      long t0 = System.nanoTime();
      for (Socket s : stuck) {
        s.setSoTimeout(15_000);
        int read;
        try {
          read = s.getInputStream().read();
        } catch (SocketException reset) {
          read = -1;
        }
        assertThat(read).as("a stuck connection gets no answer but its end").isEqualTo(-1);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("stuck connections closed in")
          .isLessThan(Duration.ofSeconds(ServeCommand.REQUEST_SECONDS + 5));
    } finally {
      for (Socket s : stuck) {
        s.close();
      }
    }
    serve.terminate();
    assertThat(serve.waitFor(30)).isEqualTo(143);
  }

  @Test
  void mistakesGetMessagesAPersonCanActOn() {
    ElectProcess unknown = elect("status", "--backend", "consul://127.0.0.1:8500", "--election",
        "x");
    assertThat(unknown.waitFor(30)).isEqualTo(2);
    assertThat(unknown.err()).contains("no election backend for scheme 'consul'")
        .contains("zookeeper").contains("memory");

    ElectProcess badDuration = elect("run", "--backend", backend(), "--election", "x",
        "--lease-duration", "soon", "--", "true");
    assertThat(badDuration.waitFor(30)).isEqualTo(2);
    assertThat(badDuration.err()).contains("--lease-duration").contains("soon");

    ElectProcess badOrder = elect("run", "--backend", backend(), "--election", "x",
        "--renew-deadline", "20s", "--", "true");
    assertThat(badOrder.waitFor(30)).isEqualTo(2);
    assertThat(badOrder.err()).contains("renewDeadline (20s) must be shorter than leaseDuration (15s)");

    ElectProcess longGrace = elect("run", "--backend", backend(), "--election", "x",
        "--grace", "10s", "--", "true");
    assertThat(longGrace.waitFor(30)).isEqualTo(2);
    assertThat(longGrace.err()).contains("--grace (10s) must be at least 0 and shorter than "
        + "--lease-duration - --renew-deadline (5s)");

    ElectProcess secret = elect("status", "--backend",
        "zookeeper://bob:hunter2@127.0.0.1:1/x?sessionTimeout=3s&connectionTimeout=1s",
        "--election", "x", "--timeout", "2s");
    assertThat(secret.waitFor(30)).as("%s", secret).isEqualTo(3);
    assertThat(secret.err()).contains("bob:***@127.0.0.1:1").doesNotContain("hunter2");

    ElectProcess unreachable = elect("run", "--backend",
        "zookeeper://127.0.0.1:1/x?sessionTimeout=3s&connectionTimeout=1s", "--election", "x",
        "--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period", "250ms",
        "--connect-timeout", "2s", "--", "true");
    assertThat(unreachable.waitFor(30)).as("%s", unreachable).isEqualTo(3);
    assertThat(unreachable.err()).contains("waiting for").contains("no answer from");

    for (String command : List.of("demo", "run", "status", "serve")) {
      ElectProcess help = elect(command, "--help");
      assertThat(help.waitFor(30)).isZero();
      assertThat(help.out()).contains("Usage: elect " + command);
    }
  }
}
