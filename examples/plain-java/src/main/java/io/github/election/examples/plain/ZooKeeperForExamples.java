package io.github.election.examples.plain;

import io.github.election.zookeeper.testing.EmbeddedZooKeeper;
import java.util.concurrent.CountDownLatch;

/**
 * A ZooKeeper server in this process, on 127.0.0.1 and a free port, for running two instances
 * of the Spring Boot example side by side ({@code examples/run.sh zookeeper}); it runs until
 * the process is stopped (Ctrl-C).
 */
public final class ZooKeeperForExamples {

  private ZooKeeperForExamples() {
  }

  /** Starts the server, prints how to point the examples at it, and waits. */
  public static void main(String[] args) throws InterruptedException {
    EmbeddedZooKeeper zookeeper = EmbeddedZooKeeper.start();
    Runtime.getRuntime().addShutdownHook(new Thread(zookeeper::close, "zookeeper-stop"));
    String uri = zookeeper.uri("/elections") + "?sessionTimeout=3s&connectionTimeout=1s";
    System.out.println("ZooKeeper is running on " + zookeeper.connectString()
        + " until Ctrl-C. In two other terminals:");
    System.out.println("  examples/run.sh spring --server.port=8081 '--election.backend=" + uri
        + "'");
    System.out.println("  examples/run.sh spring --server.port=8082 '--election.backend=" + uri
        + "'");
    new CountDownLatch(1).await();
  }
}
