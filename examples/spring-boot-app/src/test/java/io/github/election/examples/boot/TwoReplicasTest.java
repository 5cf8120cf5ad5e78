package io.github.election.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.election.LeaderElection;
import io.github.election.zookeeper.testing.EmbeddedZooKeeper;
import io.github.election.zookeeper.testing.ZooKeeperHarness;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example application started twice, as two replicas on one machine, on ZooKeeper started
 * in the test: one runs the report, the leader events come in order, health and info answer over
 * HTTP with the state, and closing the leader hands over within ZooKeeper's handover bound.
 */
class TwoReplicasTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private final HttpClient http = HttpClient.newHttpClient();

  private static ConfigurableApplicationContext replica(EmbeddedZooKeeper zookeeper, String id) {
    return new SpringApplicationBuilder(ExampleApplication.class).run(
        "--server.port=0", "--server.address=127.0.0.1", "--election.identity=" + id,
        "--election.backend=" + zookeeper.uri("/examples") + "?sessionTimeout=3s&connectionTimeout=1s",
        "--example.report-every=100ms");
  }

  @Test
  void oneReplicaReportsAndClosingItHandsOver() throws Exception {
    try (EmbeddedZooKeeper zookeeper = EmbeddedZooKeeper.start();
         ConfigurableApplicationContext a = replica(zookeeper, "a");
         ConfigurableApplicationContext b = replica(zookeeper, "b")) {
      LeaderElection ea = a.getBean(LeaderElection.class);
      LeaderElection eb = b.getBean(LeaderElection.class);
      await().atMost(WAIT).until(() -> ea.isLeader() != eb.isLeader()
          && ea.leader().isPresent() && ea.leader().equals(eb.leader()));
      ConfigurableApplicationContext leader = ea.isLeader() ? a : b;
      ConfigurableApplicationContext follower = ea.isLeader() ? b : a;
      LeaderElection followerElection = follower.getBean(LeaderElection.class);
      String leaderId = ea.isLeader() ? "a" : "b";

      await().atMost(WAIT).until(() -> leader.getBean(ReportJob.class).runs() >= 3);
      assertThat(follower.getBean(ReportJob.class).runs()).isZero();
      assertThat(leader.getBean(LeadershipLog.class).events()).containsExactly("granted");
      assertThat(follower.getBean(LeadershipLog.class).events()).isEmpty();

      String health = get(follower, "/actuator/health");
      assertThat(health).contains("\"status\":\"UP\"", "\"election\"", "\"FOLLOWER\"",
          "\"leader\":\"" + leaderId + "\"");
      assertThat(get(leader, "/actuator/health")).contains("\"LEADER\"");
      assertThat(get(leader, "/actuator/info")).contains("\"election\"", "\"report\"",
          "\"state\":\"LEADER\"", "\"since\"");
      assertThat(get(leader, "/actuator/metrics/election.state")).contains("election.state");

      LeadershipLog leaderLog = leader.getBean(LeadershipLog.class);
      long closing = System.nanoTime();
      leader.close();
      await().atMost(WAIT).until(followerElection::isLeader);
      Duration handover = Duration.ofNanos(followerElection.current().sinceNanos() - closing);
      assertThat(handover).as("handover on close (L2)")
          .isLessThanOrEqualTo(ZooKeeperHarness.TIMINGS.handover());
      assertThat(leaderLog.events()).containsExactly("granted", "revoked");
      await().atMost(WAIT).until(() -> follower.getBean(ReportJob.class).runs() >= 1);
      assertThat(follower.getBean(LeadershipLog.class).events()).isEqualTo(List.of("granted"));
    }
  }

  private String get(ConfigurableApplicationContext context, String path)
      throws IOException, InterruptedException {
    String port = context.getEnvironment().getProperty("local.server.port");
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return response.body();
  }
}
