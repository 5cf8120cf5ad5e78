package io.github.election.postgresql.testing;

import io.github.election.postgresql.PostgresElectionBackend;
import io.github.election.spi.ElectionBackend;
import io.github.election.testing.Fault;
import io.github.election.testing.ProxiedConnection;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.TcpProxy;
import io.github.election.testing.Timings;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link StoreHarness} of PostgreSQL: a {@link PostgresServer} of its own. A connection
 * reaches it through a TCP proxy of its own; its backend keeps the elections in a table named
 * after the connection's base ({@code /tck} gives table {@code tck}), with a pool of its own.
 *
 * <p>Faults: crash (the proxy goes silent, then closes: every connection of the client fails,
 * nothing is released, the row's lease runs out), cut and heal (the proxy), restart (the server
 * stops fast and starts again on its data). A server has no sessions that it ends on its own
 * (no {@link Fault#EXPIRE}) and one member (no {@link Fault#MEMBER}).
 */
public final class PostgresHarness implements StoreHarness {

  /** D 3 s, R 2 s, P 500 ms; a handover takes a round trip and a notification, 750 ms leaves room. */
  public static final Timings TIMINGS = new Timings(Duration.ofSeconds(3), Duration.ofSeconds(2),
      Duration.ofMillis(500), Duration.ofMillis(750));

  private final PostgresServer server;
  private final boolean owned;

  private PostgresHarness(PostgresServer server, boolean owned) {
    this.server = server;
    this.owned = owned;
  }

  /**
   * Starts a server of its own.
   *
   * @throws IllegalStateException if there are no server binaries (the message says what to
   *     install)
   */
  public static PostgresHarness start() {
    return new PostgresHarness(PostgresServer.start(), true);
  }

  /** A harness on a running server, which its {@link #close()} leaves running. */
  public static PostgresHarness on(PostgresServer server) {
    return new PostgresHarness(server, false);
  }

  /** The server. */
  public PostgresServer server() {
    return server;
  }

  /** The table of the elections of a connection's base: its letters and digits, lower-case. */
  public static String tableOf(String base) {
    String t = base.replaceAll("[^A-Za-z0-9_]", "").toLowerCase(Locale.ROOT);
    if (t.isEmpty()) {
      return "election_leader";
    }
    return Character.isDigit(t.charAt(0)) ? "t" + t : t;
  }

  @Override
  public String scheme() {
    return "postgresql";
  }

  @Override
  public int members() {
    return 1;
  }

  @Override
  public Set<Fault> faults() {
    return EnumSet.of(Fault.CRASH, Fault.CUT, Fault.RESTART);
  }

  @Override
  public Timings timings() {
    return TIMINGS;
  }

  @Override
  public String address() {
    return server.address();
  }

  @Override
  public Connection connect(boolean proxied) {
    return new Link(proxied ? ProxiedConnection.proxiesTo(List.of(server.port())) : List.of(),
        server.address());
  }

  @Override
  public void stopStore() {
    server.stop();
  }

  @Override
  public void startStore() {
    server.restart();
  }

  @Override
  public void close() {
    if (owned) {
      server.close();
    }
  }

  @Override
  public String toString() {
    return "PostgresHarness{" + server + "}";
  }

  /** A client's proxy (or the server's own address), and its backend. */
  private static final class Link extends ProxiedConnection {

    Link(List<TcpProxy> proxies, String direct) {
      super(proxies, direct);
    }

    @Override
    public Optional<URI> uri(String base, Duration leaseDuration) {
      return Optional.of(URI.create("postgresql://" + PostgresServer.USER + ":"
          + PostgresServer.PASSWORD + "@" + address() + "/" + PostgresServer.DATABASE
          + "?table=" + tableOf(base)));
    }

    @Override
    protected ElectionBackend newBackend(String base, Duration leaseDuration) {
      return PostgresElectionBackend.builder()
          .url("jdbc:postgresql://" + address() + "/" + PostgresServer.DATABASE)
          .user(PostgresServer.USER).password(PostgresServer.PASSWORD)
          .table(tableOf(base)).build();
    }
  }

  /** Registered for {@link java.util.ServiceLoader}: scheme {@code postgresql}. */
  public static final class Provider implements StoreHarness.Provider {

    @Override
    public String scheme() {
      return "postgresql";
    }

    @Override
    public StoreHarness start(int members) {
      return PostgresHarness.start();
    }
  }
}
