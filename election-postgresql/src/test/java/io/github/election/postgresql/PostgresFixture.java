package io.github.election.postgresql;

import io.github.election.postgresql.testing.PostgresHarness;
import io.github.election.postgresql.testing.PostgresServer;
import io.github.election.tck.HarnessFixture;

/**
 * The kit's fixture on a running {@link PostgresServer}, through its {@link PostgresHarness}:
 * each backend is a client of its own (own pool, own LISTEN connection) behind a TCP proxy of its
 * own, so that one client can be cut off or crashed alone; the elections live in table {@code
 * tck}.
 *
 * <p>Faults: crash, cut, store restart. PostgreSQL ends no sessions on its own and has one
 * member: the kit skips the rules of lease expiry by the store and member loss.
 */
final class PostgresFixture extends HarnessFixture {

  static final String BASE = "/tck";

  PostgresFixture(PostgresServer server) {
    super(PostgresHarness.on(server), PostgresHarness.TIMINGS, BASE);
    if (!server.isRunning()) {
      server.restart();
    }
  }

  /** Closes the clients and leaves the server running: it belongs to the test class. */
  @Override
  public void close() {
    closeClients();
    PostgresServer server = ((PostgresHarness) store()).server();
    if (!server.isRunning()) {
      server.restart();
    }
  }
}
