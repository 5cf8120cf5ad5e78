package io.github.election.postgresql;

import io.github.election.ElectionBackends;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionBackendProvider;
import io.github.election.spi.UriParameters;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * Serves {@code postgresql://[user[:password]@]host[:port][,host2[:port]...]/database[?...]}: a
 * {@link PostgresElectionBackend} with a pool of its own. Parameters: {@code table}, {@code
 * schema}, {@code sslmode} (the driver's), {@code create} ({@code true}/{@code false}), {@code
 * listen} ({@code true}/{@code false}), {@code maxConnections}. Without a password in the URI,
 * {@code PGPASSWORD} of the environment is used, as {@code psql} does. With several hosts, the
 * backend connects to the one that is the primary. Public for {@link java.util.ServiceLoader}
 * only; use {@code ElectionBackends.open(uri)}.
 */
public final class PostgresBackendProvider implements ElectionBackendProvider {

  private static final String FORM =
      "; expected postgresql://[user[:password]@]host[:port][,host2...]/database[?table=...]";

  /** For {@link java.util.ServiceLoader}. */
  public PostgresBackendProvider() {
  }

  @Override
  public String scheme() {
    return "postgresql";
  }

  @Override
  public String description() {
    return "postgresql://[user[:password]@]host[:port][,host2...]/database[?table=&schema="
        + "&sslmode=&create=&listen=&maxConnections=], one row per election"
        + " (io.github.election:election-postgresql)";
  }

  /**
   * Opens a backend with a pool of its own.
   *
   * @throws IllegalArgumentException if the URI lacks a host or a database, or has a parameter
   *     that is unknown or out of range; the message shows the URI as {@link
   *     ElectionBackends#redact(URI)} does (never the password)
   */
  @Override
  public ElectionBackend open(URI uri) {
    String shown = ElectionBackends.redact(uri);
    if (uri.isOpaque() || uri.getRawAuthority() == null || uri.getRawAuthority().isEmpty()) {
      throw new IllegalArgumentException("postgresql URI '" + shown + "' names no host" + FORM);
    }
    if (uri.getRawFragment() != null) {
      throw new IllegalArgumentException("postgresql URI '" + shown + "' has a fragment" + FORM);
    }
    String authority = uri.getRawAuthority();
    int at = authority.lastIndexOf('@');
    String hosts = at < 0 ? authority : authority.substring(at + 1);
    String user = null;
    String password = null;
    if (at >= 0) {
      String info = authority.substring(0, at);
      int colon = info.indexOf(':');
      user = UriParameters.decode(colon < 0 ? info : info.substring(0, colon));
      password = colon < 0 ? null : UriParameters.decode(info.substring(colon + 1));
    }
    if (hosts.isEmpty() || hosts.startsWith(",") || hosts.endsWith(",") || hosts.contains(",,")) {
      throw new IllegalArgumentException("postgresql URI '" + shown + "' has an empty host"
          + FORM);
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String database = UriParameters.decode(path.startsWith("/") ? path.substring(1) : path);
    if (database.isEmpty() || database.contains("/")) {
      throw new IllegalArgumentException("postgresql URI '" + shown
          + "' must name one database as its path" + FORM);
    }
    UriParameters query = UriParameters.of(uri);
    PostgresElectionBackend.Builder b = PostgresElectionBackend.builder();
    Optional<String> sslmode = query.take("sslmode");
    StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(hosts).append('/')
        .append(urlEncode(database));
    String sep = "?";
    if (sslmode.isPresent()) {
      jdbc.append(sep).append("sslmode=").append(urlEncode(sslmode.get()));
      sep = "&";
    }
    if (hosts.contains(",")) {
      jdbc.append(sep).append("targetServerType=primary");
    }
    query.take("table").ifPresent(b::table);
    query.take("schema").ifPresent(b::schema);
    query.take("create").ifPresent(v -> b.createTable(bool("create", v, shown)));
    query.take("listen").ifPresent(v -> b.listen(bool("listen", v, shown)));
    query.take("maxConnections").ifPresent(v -> {
      try {
        b.maxConnections(Integer.parseInt(v.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("maxConnections '" + v + "' in postgresql URI '"
            + shown + "' is not a number");
      }
    });
    query.requireNoneLeft();
    b.url(jdbc.toString());
    if (user != null && !user.isEmpty()) {
      b.user(user);
    }
    if (password == null) {
      password = System.getenv("PGPASSWORD");
    }
    if (password != null) {
      b.password(password);
    }
    return b.build();
  }

  private static boolean bool(String name, String value, String shown) {
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new IllegalArgumentException(name + " '" + value + "' in postgresql URI '" + shown
            + "' must be true or false");
    }
  }

  private static String urlEncode(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8)
        .replace("+", "%20");
  }
}
