package io.github.election.etcd;

import io.github.election.ElectionBackends;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionBackendProvider;
import io.github.election.spi.SettingValues;
import io.github.election.spi.UriParameters;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Serves {@code etcd://HOST:PORT[,HOST:PORT...][/KEY_PREFIX][?ttl=15s&user=U&password=P
 * &cacert=PATH&cert=PATH&key=PATH]}: an {@link EtcdElectionBackend} on those endpoints. The path
 * is the key prefix (default {@value EtcdElectionBackend#DEFAULT_KEY_PREFIX}); {@code ttl} the
 * lease TTL in whole seconds ({@code 15s}, {@code 15} or {@code 1m}; a fixed TTL for every
 * election of the backend; without it each election's lease duration is its TTL); {@code cacert}, {@code
 * cert} and {@code key} PEM files turn TLS on. Found by {@code ElectionBackends.open} through
 * {@link java.util.ServiceLoader}; stateless and thread-safe.
 */
public final class EtcdBackendProvider implements ElectionBackendProvider {

  /** For {@link java.util.ServiceLoader}. */
  public EtcdBackendProvider() {
  }

  @Override
  public String scheme() {
    return "etcd";
  }

  @Override
  public String description() {
    return "etcd://HOST:PORT[,HOST:PORT...]/KEY_PREFIX?ttl=15s&user=U&password=P&cacert=FILE"
        + "&cert=FILE&key=FILE, etcd v3 through jetcd (io.github.election:election-etcd)";
  }

  /**
   * Makes a backend for an {@code etcd:} URI.
   *
   * @throws IllegalArgumentException naming the part of the URI that is wrong
   */
  @Override
  public ElectionBackend open(URI uri) {
    String shown = ElectionBackends.redact(uri); // as the URI may appear in messages
    if (uri.getScheme() == null || !uri.getScheme().equalsIgnoreCase("etcd")) {
      throw new IllegalArgumentException("URI '" + shown + "' is not an etcd: URI");
    }
    String authority = uri.getRawAuthority();
    if (authority == null || authority.isBlank()) {
      throw new IllegalArgumentException("etcd URI '" + shown + "' has no endpoints; expected "
          + "etcd://HOST:PORT[,HOST:PORT...]/KEY_PREFIX");
    }
    if (authority.contains("@")) {
      throw new IllegalArgumentException("etcd URI '" + shown + "': give credentials as "
          + "?user=U&password=P, not in the authority");
    }
    List<String> endpoints = new ArrayList<>();
    for (String e : authority.split(",")) {
      if (e.isBlank()) {
        throw new IllegalArgumentException("etcd URI '" + shown + "' has an empty endpoint");
      }
      endpoints.add(e.trim());
    }
    UriParameters query = UriParameters.of(uri);
    EtcdElectionBackend.Builder b = EtcdElectionBackend.builder();
    String cacert = query.take("cacert").orElse(null);
    String cert = query.take("cert").orElse(null);
    String key = query.take("key").orElse(null);
    if (cacert != null) {
      b.trustedCertificates(Path.of(cacert));
    }
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException("etcd URI '" + shown + "': cert and key go together");
    }
    if (cert != null) {
      b.clientCertificate(Path.of(cert), Path.of(key));
    }
    b.endpoints(endpoints);
    String path = uri.getPath();
    if (path != null && !path.isEmpty() && !path.equals("/")) {
      b.keyPrefix(path);
    }
    String ttl = query.take("ttl").orElse(null);
    if (ttl != null) {
      b.leaseTtl(parseTtl(ttl, uri));
    }
    String user = query.take("user").orElse(null);
    String password = query.take("password").orElse(null);
    if (user != null) {
      b.credentials(user, password == null ? "" : password);
    } else if (password != null) {
      throw new IllegalArgumentException("etcd URI '" + shown + "': password without user");
    }
    query.requireNoneLeft();
    return b.build();
  }

  private static Duration parseTtl(String text, URI uri) {
    String t = text.trim();
    if (t.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(t)); // etcd's own unit
    }
    try {
      return SettingValues.parseDuration(t, "ttl");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("ttl (" + text + ") of etcd URI '"
          + ElectionBackends.redact(uri)
          + "' must be whole seconds, such as 15s, 15 or 1m", e);
    }
  }
}
