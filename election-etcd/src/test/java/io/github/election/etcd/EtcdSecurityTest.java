package io.github.election.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.election.LeaderElection;
import io.github.election.LeadershipState;
import io.github.election.etcd.testing.EtcdCluster;
import io.github.election.spi.ElectionBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The builder's TLS (server certificate checked against a CA, client certificate) and user and
 * password settings, each against an etcd server of its own that requires them. Certificates are
 * made with the {@code openssl} command; without it the TLS test is skipped.
 */
class EtcdSecurityTest {

  private static final Duration BOUND = EtcdFixture.TIMINGS.electionBound()
      .plus(EtcdFixture.TIMINGS.handover());

  @TempDir
  Path dir;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private LeaderElection start(ElectionBackend backend, String identity) {
    LeaderElection e = EtcdFixture.TIMINGS.applyTo(LeaderElection.builder(backend))
        .name("secure").identity(identity).build();
    closeables.add(e);
    e.start();
    return e;
  }

  @Test
  @DisplayName("TLS with a client certificate: the backend checks the server against the CA and presents its certificate")
  void tlsWithClientCertificate() {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")),
        "the TLS test makes its certificates with /usr/bin/openssl (apt-get install openssl)");
    Path ca = dir.resolve("ca.pem");
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=election-test-ca");
    certificate("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    certificate("client", "extendedKeyUsage=clientAuth\n");

    EtcdCluster etcd = EtcdCluster.start(1, new EtcdCluster.Tls(ca, dir.resolve("server.pem"),
        dir.resolve("server.key")));
    closeables.add(etcd);
    String endpoint = "127.0.0.1:" + etcd.member(0).clientPort();

    EtcdElectionBackend trusted = EtcdElectionBackend.builder().endpoints(endpoint)
        .trustedCertificates(ca)
        .clientCertificate(dir.resolve("client.pem"), dir.resolve("client.key")).build();
    closeables.add(trusted);
    LeaderElection e = start(trusted, "tls-client");
    Awaitility.await("leads over TLS").atMost(BOUND).until(e::isLeader);
    assertThat(e.term()).isPositive();

    EtcdElectionBackend noCertificate = EtcdElectionBackend.builder().endpoints(endpoint)
        .trustedCertificates(ca).build();
    closeables.add(noCertificate);
    LeaderElection refused = start(noCertificate, "no-client-certificate");
    Awaitility.await("without a client certificate etcd cannot be read")
        .during(EtcdFixture.TIMINGS.renewDeadline()).atMost(BOUND)
        .until(() -> refused.state() == LeadershipState.UNKNOWN);
  }

  @Test
  @DisplayName("an https endpoint without a CA file is TLS with the JVM's trust store, never plaintext; mixed schemes are refused")
  void httpsWithoutCaFileNeverTalksPlaintext() {
    EtcdCluster etcd = EtcdCluster.start(1); // plaintext only
    closeables.add(etcd);
    String address = "127.0.0.1:" + etcd.member(0).clientPort();
    EtcdElectionBackend https = EtcdElectionBackend.builder().endpoints("https://" + address)
        .build();
    closeables.add(https);
    LeaderElection e = start(https, "https-no-ca");
    Awaitility.await("a TLS client cannot read a plaintext etcd")
        .during(EtcdFixture.TIMINGS.renewDeadline()).atMost(BOUND)
        .until(() -> e.state() == LeadershipState.UNKNOWN);
    // the same server, reached over plaintext, elects: the endpoint was reachable all along
    EtcdElectionBackend plain = EtcdElectionBackend.builder().endpoints("http://" + address).build();
    closeables.add(plain);
    LeaderElection p = start(plain, "plaintext");
    Awaitility.await("leads over plaintext").atMost(BOUND).until(p::isLeader);
    assertThatThrownBy(() -> EtcdElectionBackend.builder()
        .endpoints("https://" + address, "http://127.0.0.1:1").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mix http and https");
  }

  @Test
  @DisplayName("user and password: the backend authenticates; a wrong password leaves it UNKNOWN")
  void userAndPassword() {
    EtcdCluster etcd = EtcdCluster.start(1);
    closeables.add(etcd);
    String endpoint = "127.0.0.1:" + etcd.member(0).clientPort();
    Path etcdctl = EtcdCluster.BINARY.resolveSibling("etcdctl");
    assertThat(Files.isExecutable(etcdctl)).as("no etcdctl next to " + EtcdCluster.BINARY
        + " to enable authentication: install it (Debian: apt-get install etcd-client; "
        + "scripts/test.sh does)").isTrue();
    run(etcdctl.toString(), "--endpoints", "http://" + endpoint, "user", "add", "root",
        "--new-user-password=s3cret", "--interactive=false");
    run(etcdctl.toString(), "--endpoints", "http://" + endpoint, "auth", "enable");

    EtcdElectionBackend authenticated = EtcdElectionBackend.builder().endpoints(endpoint)
        .credentials("root", "s3cret").build();
    closeables.add(authenticated);
    LeaderElection e = start(authenticated, "with-password");
    Awaitility.await("leads with user and password").atMost(BOUND).until(e::isLeader);

    EtcdElectionBackend wrong = EtcdElectionBackend.builder().endpoints(endpoint)
        .credentials("root", "wrong").build();
    closeables.add(wrong);
    LeaderElection refused = start(wrong, "wrong-password");
    Awaitility.await("a wrong password gets nowhere")
        .during(EtcdFixture.TIMINGS.renewDeadline()).atMost(BOUND)
        .until(() -> refused.state() == LeadershipState.UNKNOWN);
    assertThat(e.isLeader()).isTrue();
  }

  private void certificate(String name, String extensions) {
    try {
      Files.writeString(dir.resolve(name + ".ext"), extensions);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
    openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", name + ".pem", "-days", "1", "-extfile", name + ".ext");
  }

  private void openssl(String... args) {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/openssl"));
    cmd.addAll(List.of(args));
    run(cmd.toArray(new String[0]));
  }

  private void run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
          .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
