package io.github.election.postgresql;

import io.github.election.postgresql.testing.PostgresServer;
import io.github.election.tck.ElectionCompatibilityKit;
import io.github.election.tck.ElectionFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The compatibility kit against one PostgreSQL server, a child process that this class starts
 * once on 127.0.0.1 (random port, fresh data directory) and stops after its last test. Each test
 * gets fresh clients, each behind a TCP proxy of its own; see {@link PostgresFixture}.
 */
class PostgresCompatibilityTest extends ElectionCompatibilityKit {

  private static PostgresServer server;

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

  @Override
  protected ElectionFixture createFixture() {
    return new PostgresFixture(server);
  }
}
