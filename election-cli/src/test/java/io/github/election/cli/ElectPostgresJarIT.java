package io.github.election.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.election.postgresql.testing.PostgresServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line jar on PostgreSQL: {@code run}, {@code status} and {@code serve} with a
 * {@code postgresql://} backend, on a server this class starts.
 */
class ElectPostgresJarIT {

  private static PostgresServer server;

  @TempDir
  Path dir;

  private final List<ElectProcess> processes = new ArrayList<>();

  @BeforeAll
  static void startPostgres() {
    server = PostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void stopAll() {
    processes.forEach(ElectProcess::close);
  }

  private ElectProcess elect(String... args) {
    ElectProcess p = ElectProcess.start(dir, args);
    processes.add(p);
    return p;
  }

  private static String backend() {
    return "postgresql://" + PostgresServer.USER + ":" + PostgresServer.PASSWORD + "@"
        + server.address() + "/" + PostgresServer.DATABASE + "?table=cli";
  }

  private static List<String> timings() {
    return List.of("--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period",
        "250ms");
  }

  @Test
  void runStatusAndServeWorkOnPostgres() throws IOException, InterruptedException {
    String script = "echo \"$ELECT_TERM\" > \"$ELECT_IDENTITY\"; trap 'exit 0' TERM; "
        + "while true; do sleep 0.1; done";
    List<String> a = new ArrayList<>(List.of("run", "--backend", backend(), "--election", "jobs",
        "--identity", "a"));
    a.addAll(timings());
    a.addAll(List.of("--", "sh", "-c", script));
    ElectProcess first = elect(a.toArray(String[]::new));
    await("a's command runs").atMost(Duration.ofSeconds(20))
        .until(() -> Files.exists(dir.resolve("a")));

    ElectProcess status = elect("status", "--backend", backend(), "--election", "jobs");
    assertThat(status.waitFor(30)).as("%s", status).isZero();
    assertThat(status.out()).contains("leader:   a").containsPattern("term: +\\d+");

    List<String> s = new ArrayList<>(List.of("serve", "--backend", backend(), "--election",
        "jobs", "--identity", "s1", "--port", "0"));
    s.addAll(timings());
    ElectProcess serve = elect(s.toArray(String[]::new));
    Pattern address = Pattern.compile("serving (http://127\\.0\\.0\\.1:\\d+)/leader");
    await("serve prints its address").atMost(Duration.ofSeconds(20))
        .until(() -> address.matcher(serve.out()).find());
    Matcher m = address.matcher(serve.out());
    assertThat(m.find()).isTrue();
    HttpClient http = HttpClient.newHttpClient();
    URI leader = URI.create(m.group(1) + "/leader");
    await("/leader shows a leading").atMost(Duration.ofSeconds(20)).until(() -> http.send(
        HttpRequest.newBuilder(leader).build(), HttpResponse.BodyHandlers.ofString()).body()
        .contains("\"leader\":\"a\""));

    first.terminate(); // releases leadership: s1 takes over at once
    assertThat(first.waitFor(30)).isEqualTo(143);
    await("/leader shows s1 leading").atMost(Duration.ofSeconds(10)).until(() -> http.send(
        HttpRequest.newBuilder(leader).build(), HttpResponse.BodyHandlers.ofString()).body()
        .contains("\"state\":\"LEADER\""));
    serve.terminate();
    assertThat(serve.waitFor(30)).isEqualTo(143);
  }
}
