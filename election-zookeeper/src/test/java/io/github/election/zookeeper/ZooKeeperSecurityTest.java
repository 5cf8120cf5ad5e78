package io.github.election.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.election.ElectionBackends;
import io.github.election.LeadershipState;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.LeaderInfo;
import io.github.election.testing.Timings;
import io.github.election.zookeeper.ZooKeeperElectionBackend.NodeAcl;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * ACLs of the nodes the backend creates, and what a client that is no candidate can do to an
 * election: delete nodes, or plant nodes that look like candidates' nodes.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ZooKeeperSecurityTest {

  private static final Timings T = ZooKeeperFixture.TIMINGS;
  private static final Duration BOUND = T.electionBound().plus(T.handover());
  private static final String OPEN_WARNING = "ACL open to anyone";

  /** A backend that is never connected: enough for checks that do no I/O. */
  private static ZooKeeperElectionBackend offline(String uriQueryAndUser) {
    return (ZooKeeperElectionBackend) ElectionBackends.open(
        uriQueryAndUser.replace("HOST", "127.0.0.1:1"));
  }

  /** The WARN events of the backend's logger, captured while a test runs. */
  private static final class Warnings implements AutoCloseable {
    private final Logger logger =
        (Logger) LoggerFactory.getLogger(ZooKeeperElectionBackend.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    Warnings() {
      appender.start();
      logger.addAppender(appender);
    }

    /** The messages of WARN events that mention the backend, as formatted. */
    List<String> of(ZooKeeperElectionBackend backend) {
      List<ILoggingEvent> events;
      synchronized (appender) { // AppenderBase.doAppend holds this lock while appending
        events = new ArrayList<>(appender.list);
      }
      List<String> out = new ArrayList<>();
      for (ILoggingEvent e : events) {
        String m = e.getFormattedMessage();
        if (e.getLevel() == Level.WARN && m.startsWith(backend.label() + ":")) {
          out.add(m);
        }
      }
      return out;
    }

    @Override
    public void close() {
      logger.detachAppender(appender);
      appender.stop();
    }
  }

  @Nested
  @DisplayName("configuration")
  class Configuration {

    @Test
    @DisplayName("digest auth defaults the nodes' ACL to CREATOR_ALL_ACL; acl= chooses another")
    void defaults() {
      try (ZooKeeperElectionBackend b = offline("zookeeper://alice:secret@HOST/e")) {
        assertThat(b.acl()).isEqualTo(ZooDefs.Ids.CREATOR_ALL_ACL);
      }
      try (ZooKeeperElectionBackend b = offline("zookeeper://alice:secret@HOST/e?acl=read")) {
        assertThat(b.acl()).containsExactly(
            new ACL(ZooDefs.Perms.ALL, ZooDefs.Ids.AUTH_IDS),
            new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
      }
      try (ZooKeeperElectionBackend b = offline("zookeeper://alice:secret@HOST/e?acl=OPEN")) {
        assertThat(b.acl()).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
      }
      try (ZooKeeperElectionBackend b = offline("zookeeper://HOST/e?acl=open")) {
        assertThat(b.acl()).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
      }
      try (ZooKeeperElectionBackend b = offline("zookeeper://HOST/e")) {
        assertThat(b.acl()).as("the client's ACLProvider").isNull();
      }
      // the later of the two builder settings wins
      try (ZooKeeperElectionBackend b = ZooKeeperElectionBackend.builder()
          .connectString("127.0.0.1:1").digestAuth("alice", "secret")
          .acl(ZooDefs.Ids.READ_ACL_UNSAFE).acl(NodeAcl.CREATOR).build()) {
        assertThat(b.acl()).isEqualTo(ZooDefs.Ids.CREATOR_ALL_ACL);
      }
    }

    @Test
    @DisplayName("a bad acl value, or a creator ACL without digest auth, is refused naming setting and value")
    void refused() {
      assertThatThrownBy(() -> ElectionBackends.open("zookeeper://127.0.0.1:1/e?acl=private"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("acl 'private'").hasMessageContaining("creator, read, open");
      assertThatThrownBy(() -> ElectionBackends.open("zookeeper://127.0.0.1:1/e?acl="))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("acl ''");
      for (String value : List.of("creator", "read")) {
        assertThatThrownBy(() -> ElectionBackends.open("zookeeper://127.0.0.1:1/e?acl=" + value))
            .as(value).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("acl '" + value + "'")
            .hasMessageContaining("digest authentication").hasMessageContaining("user:password@");
      }
      assertThatThrownBy(() -> ZooKeeperElectionBackend.builder().connectString("127.0.0.1:1")
          .acl(NodeAcl.CREATOR).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("acl 'creator'")
          .hasMessageContaining("digestAuth");
      assertThatThrownBy(() -> ZooKeeperElectionBackend.builder().connectString("127.0.0.1:1")
          .acl(ZooDefs.Ids.CREATOR_ALL_ACL).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auth::cdrwa")
          .hasMessageContaining("digestAuth");
      assertThatThrownBy(() -> NodeAcl.fromUriValue("world"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("acl 'world'");
      assertThat(ElectionBackends.available().get("zookeeper").description()).contains("acl=");
    }

    @Test
    @DisplayName("a backend whose nodes are open to anyone by default warns once; one with digest auth or acl=open chosen does not")
    void openAclWarning() {
      try (Warnings warnings = new Warnings()) {
        try (ZooKeeperElectionBackend open = offline("zookeeper://HOST/e");
             ZooKeeperElectionBackend chosen = offline("zookeeper://alice:secret@HOST/e?acl=open");
             ZooKeeperElectionBackend creator = offline("zookeeper://alice:secret@HOST/e");
             ZooKeeperElectionBackend read = offline("zookeeper://alice:secret@HOST/e?acl=read")) {
          assertThat(warnings.of(open)).singleElement().asString()
              .contains(OPEN_WARNING).contains("world:anyone:cdrwa")
              .contains("user:password@");
          assertThat(warnings.of(chosen)).as("open by choice: the start-up line says so")
              .isEmpty();
          assertThat(warnings.of(creator)).isEmpty();
          assertThat(warnings.of(read)).as("anyone may only read").isEmpty();
        }
      }
    }

    @Test
    @DisplayName("only children named _c_<uuid>-latch-<sequence> may be candidates")
    void candidateNames() {
      String uuid = UUID.randomUUID().toString();
      assertThat(CandidateNodes.isCandidateName("_c_" + uuid + "-latch-0000000042")).isTrue();
      for (String foreign : List.of("0", "latch-0000000001", "x-latch-0000000001",
          "_c_" + uuid + "-latch-42", "_c_" + uuid + "-lock-0000000001",
          "_c_" + uuid + "-latch-0000000001x")) {
        assertThat(CandidateNodes.isCandidateName(foreign)).as(foreign).isFalse();
      }
      String a = "_c_" + uuid + "-latch-0000000002";
      String b = "_c_" + UUID.randomUUID() + "-latch-0000000001";
      Set<String> persistent = new java.util.HashSet<>(Set.of(b, "gone"));
      assertThat(CandidateNodes.order(List.of("0", a, b, "mine"), "mine", persistent))
          .containsExactly(a, "mine");
      assertThat(persistent).as("names no longer listed are forgotten").containsExactly(b);
    }
  }

  @Nested
  @DisplayName("against a ZooKeeper server")
  class Live {

    private ZooKeeperFixture fixture;
    private String name;
    private final List<CuratorFramework> clients = new ArrayList<>();

    @BeforeEach
    void start() {
      fixture = new ZooKeeperFixture();
      name = "e" + Long.toHexString(System.nanoTime());
    }

    @AfterEach
    void stop() {
      clients.forEach(CuratorFramework::close);
      fixture.close();
    }

    /** A client straight to the server, with digest auth as user:password, or none for null. */
    private CuratorFramework client(String userAndPassword) throws InterruptedException {
      CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
          .connectString(fixture.connectString()).sessionTimeoutMs(30_000)
          .connectionTimeoutMs(5_000).retryPolicy(new RetryOneTime(100));
      if (userAndPassword != null) {
        b.authorization("digest", userAndPassword.getBytes(StandardCharsets.UTF_8));
      }
      CuratorFramework c = b.build();
      clients.add(c);
      c.start();
      assertThat(c.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
      return c;
    }

    private String uri(String userInfo, String basePath, String query) {
      return "zookeeper://" + (userInfo == null ? "" : userInfo + "@")
          + fixture.connectString() + basePath + "?sessionTimeout="
          + T.leaseDuration().toMillis() + "ms&connectionTimeout=1s" + query;
    }

    private static String candidateLikeName(int sequence) {
      return "_c_" + UUID.randomUUID() + "-latch-" + String.format("%010d", sequence);
    }

    private String nodeOf(CuratorFramework reader, String electionPath, String identity)
        throws Exception {
      for (String n : reader.getChildren().forPath(electionPath)) {
        byte[] data = reader.getData().forPath(ZKPaths.makePath(electionPath, n));
        if (identity.equals(new String(data, StandardCharsets.UTF_8))) {
          return n;
        }
      }
      throw new AssertionError("no node of " + identity + " under " + electionPath);
    }

    @Test
    @DisplayName("with digest auth, a client without credentials can neither delete the leader's node nor plant one")
    void digestAuthProtectsTheElection() throws Exception {
      String electionPath = ZKPaths.makePath("/secured", name);
      try (Group g = new Group(name, T)) {
        g.add("c1", () -> ElectionBackends.open(uri("alice:secret", "/secured", "")));
        g.add("c2", () -> ElectionBackends.open(uri("alice:secret", "/secured", "")));
        Group.Member leader = g.awaitConverged(BOUND);
        long term = leader.current().term();

        CuratorFramework alice = client("alice:secret");
        String leaderNode = ZKPaths.makePath(electionPath, nodeOf(alice, electionPath,
            leader.identity()));
        for (String path : List.of("/secured", electionPath, leaderNode)) {
          assertThat(alice.getACL().forPath(path)).as("ACL of %s", path).singleElement()
              .satisfies(a -> {
                assertThat(a.getId().getScheme()).isEqualTo("digest");
                assertThat(a.getId().getId()).startsWith("alice:");
                assertThat(a.getPerms()).isEqualTo(ZooDefs.Perms.ALL);
              });
        }

        for (CuratorFramework stranger : List.of(fixture.admin(), client("mallory:guess"))) {
          assertThatThrownBy(() -> stranger.delete().forPath(leaderNode))
              .isInstanceOf(KeeperException.NoAuthException.class);
          assertThatThrownBy(() -> stranger.create().withMode(CreateMode.PERSISTENT)
              .forPath(ZKPaths.makePath(electionPath, candidateLikeName(0)),
                  "mallory".getBytes(StandardCharsets.UTF_8)))
              .isInstanceOf(KeeperException.NoAuthException.class);
          assertThatThrownBy(() -> stranger.getChildren().forPath(electionPath))
              .isInstanceOf(KeeperException.NoAuthException.class);
          assertThatThrownBy(() -> stranger.setData().forPath(leaderNode, new byte[0]))
              .isInstanceOf(KeeperException.NoAuthException.class);
        }
        assertThat(alice.checkExists().forPath(leaderNode)).isNotNull();
        assertThat(alice.getChildren().forPath(electionPath)).hasSize(2);
        Awaitility.await("the election goes on undisturbed")
            .during(T.retryPeriod().multipliedBy(3)).atMost(BOUND)
            .until(() -> leader.isLeader() && leader.current().term() == term);
        assertThat(g.awaitConverged(BOUND)).isSameAs(leader);
        g.monitor.assertSafe();
      }
    }

    @Test
    @DisplayName("acl=read lets a client without credentials see the leader, and nothing more")
    void readAcl() throws Exception {
      String electionPath = ZKPaths.makePath("/readable", name);
      ElectionBackend onlooker = ElectionBackends.open(uri(null, "/readable", ""));
      try (Group g = new Group(name, T)) {
        g.add("c1", () -> ElectionBackends.open(uri("alice:secret", "/readable", "&acl=read")));
        Group.Member leader = g.awaitConverged(BOUND);
        LeaderInfo info = onlooker.inspect(name).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(info.leader()).contains("c1");
        assertThat(info.term()).isEqualTo(leader.current().term());
        String node = nodeOf(fixture.admin(), electionPath, "c1");
        assertThatThrownBy(() -> fixture.admin().delete()
            .forPath(ZKPaths.makePath(electionPath, node)))
            .isInstanceOf(KeeperException.NoAuthException.class);
        assertThatThrownBy(() -> fixture.admin().create()
            .forPath(ZKPaths.makePath(electionPath, candidateLikeName(0))))
            .isInstanceOf(KeeperException.NoAuthException.class);
        assertThat(leader.isLeader()).isTrue();
      } finally {
        onlooker.close();
      }
    }

    @Test
    @DisplayName("planted persistent nodes, named like candidates' nodes or not, never lead nor block the election")
    void plantedNodesAreIgnored() throws Exception {
      String electionPath = ZKPaths.makePath(ZooKeeperFixture.BASE_PATH, name);
      byte[] mallory = "mallory".getBytes(StandardCharsets.UTF_8);
      CuratorFramework admin = fixture.admin();
      // both sort before any candidate's node, as LeaderLatch sorts them
      String likeCandidate = candidateLikeName(0);
      admin.create().creatingParentsIfNeeded()
          .forPath(ZKPaths.makePath(electionPath, likeCandidate), mallory);
      admin.create().forPath(ZKPaths.makePath(electionPath, "0"), mallory);
      assertThat(ZooKeeperCandidate.sortLikeLeaderLatch(admin.getChildren().forPath(electionPath)))
          .containsExactly("0", likeCandidate);

      ElectionBackend onlooker = fixture.newBackend();
      try (Warnings warnings = new Warnings(); Group g = new Group(name, T)) {
        Awaitility.await("connected").atMost(BOUND)
            .until(() -> fixture.backendOf(onlooker).connected());
        LeaderInfo nobody = onlooker.inspect(name).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(nobody.leader()).as("no candidate yet").isEmpty();
        assertThat(nobody.term()).isZero();

        Group.Member first = g.add("c1", fixture::newBackend);
        Awaitility.await("c1 leads despite the planted nodes").atMost(BOUND)
            .until(first::isLeader);
        g.add("c2", fixture::newBackend);
        Group.Member leader = g.awaitConverged(BOUND);
        assertThat(leader).isSameAs(first);
        LeaderInfo info = onlooker.inspect(name).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(info.leader()).contains("c1");
        assertThat(info.term()).isEqualTo(leader.current().term());
        assertThat(warnings.of(fixture.backendOf(leader.backend()))).anySatisfy(w ->
            assertThat(w).contains("ignoring " + ZKPaths.makePath(electionPath, likeCandidate)));

        // a node planted while the election runs, first in LeaderLatch's order, changes nothing
        long term = leader.current().term();
        admin.create().forPath(ZKPaths.makePath(electionPath, candidateLikeName(1)), mallory);
        Awaitility.await("c1 keeps leading, c2 keeps following it")
            .during(T.retryPeriod().multipliedBy(3)).atMost(BOUND)
            .until(() -> leader.isLeader() && leader.current().term() == term
                && g.members.get(1).current().state() == LeadershipState.FOLLOWER
                && g.members.get(1).current().leader().equals(Optional.of("c1")));

        // the election is not blocked: the next real candidate takes over
        leader.election().resign();
        Awaitility.await("c2 leads after c1 resigned").atMost(T.handover())
            .until(() -> g.members.get(1).isLeader());
        assertThat(onlooker.inspect(name).toCompletableFuture().get(5, TimeUnit.SECONDS).leader())
            .contains("c2");
        assertThat(g.leadersSeen).as("leaders any candidate reported").containsOnly("c1", "c2");
        g.monitor.assertSafe();
      } finally {
        onlooker.close();
      }
    }

    @Test
    @DisplayName("a candidate with digest auth warns when its election node, made before, is open to anyone")
    void openElectionNodeMadeBefore() throws Exception {
      String electionPath = ZKPaths.makePath("/premade", name);
      fixture.admin().create().creatingParentsIfNeeded().forPath(electionPath);
      try (Warnings warnings = new Warnings(); Group g = new Group(name, T)) {
        Group.Member m = g.add("c1",
            () -> ElectionBackends.open(uri("alice:secret", "/premade", "")));
        Awaitility.await("c1 leads").atMost(BOUND).until(m::isLeader);
        ZooKeeperElectionBackend backend = (ZooKeeperElectionBackend) m.backend();
        Awaitility.await("the warning").atMost(BOUND).untilAsserted(() ->
            assertThat(warnings.of(backend)).singleElement().asString()
                .contains("election node " + electionPath).contains(OPEN_WARNING)
                .contains("setAcl " + electionPath));
        assertThat(warnings.of(backend).get(0)).doesNotContain("secret");
      }
    }
  }
}
