package io.github.election.campaign;

import io.github.election.kubernetes.CampaignApiServer;
import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * fabric8's mock API server in CRUD mode in the campaign's JVM (the Kubernetes module's {@code
 * MockApiServer}): one store, one HTTP front end per candidate, which each candidate reaches
 * through a {@link TcpProxy} of its own, configured as a real deployment is: by a kubeconfig
 * file ({@code KUBECONFIG}) and the URI {@code kubernetes:///NAMESPACE}. A restart stops and
 * starts every front end; the objects stay, as etcd keeps them when kube-apiserver restarts.
 *
 * <p>Neither a member loss (the mock is one store) nor a lease expiry: a Kubernetes Lease does
 * not expire in the store; each follower judges it expired on its own clock, which the cuts,
 * crashes and pauses exercise.
 */
final class KubernetesStore implements Store {

  private final CampaignApiServer server = CampaignApiServer.start();

  @Override
  public String name() {
    return "kubernetes";
  }

  @Override
  public Set<FaultKind> faults() {
    return EnumSet.of(FaultKind.CRASH, FaultKind.CUT, FaultKind.RESTART, FaultKind.PAUSE,
        FaultKind.RESIGN);
  }

  @Override
  public Timings timings() {
    // leaseDurationSeconds is whole seconds
    return new Timings(Duration.ofSeconds(2), Duration.ofMillis(1300), Duration.ofMillis(400),
        Duration.ofMillis(500));
  }

  @Override
  public Contender spawn(String who, String identity, String election, Timings timings,
      History history, Path logDir) {
    TcpProxy proxy = new TcpProxy("127.0.0.1", server.newFrontendPort());
    String name = who.replace('#', '-');
    Path kubeconfig = logDir.resolve(name + ".kubeconfig");
    try {
      Files.writeString(kubeconfig, String.join("\n",
          "apiVersion: v1",
          "kind: Config",
          "clusters:",
          "- name: mock",
          "  cluster:",
          "    server: http://" + proxy.address(),
          "users:",
          "- name: campaign",
          "  user: {}",
          "contexts:",
          "- name: mock",
          "  context:",
          "    cluster: mock",
          "    user: campaign",
          "    namespace: " + CampaignApiServer.namespace(),
          "current-context: mock",
          ""), StandardCharsets.UTF_8);
    } catch (IOException e) {
      proxy.close();
      throw new UncheckedIOException("cannot write " + kubeconfig, e);
    }
    return new ChildContender(who, identity, election,
        "kubernetes:///" + CampaignApiServer.namespace(), timings, List.of(),
        Map.of("KUBECONFIG", kubeconfig.toAbsolutePath().toString()), List.of(proxy), history,
        logDir.resolve(name + ".log"));
  }

  @Override
  public void stop() {
    server.stop();
  }

  @Override
  public void start() {
    server.restart();
  }

  @Override
  public void close() {
    server.close();
  }
}
