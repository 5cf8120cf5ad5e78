package io.github.election.zookeeper;

import io.github.election.ElectionBackends;
import io.github.election.spi.SettingValues;
import io.github.election.spi.UriParameters;
import java.net.URI;
import java.util.Objects;

/**
 * Reads a {@code zookeeper://} URI into a {@link ZooKeeperElectionBackend.Builder}:
 * {@code zookeeper://[user:password@]host:port[,host:port]/base/path?sessionTimeout=15s&connectionTimeout=5s&acl=creator}.
 * The user information, when present, is used for digest authentication, and the nodes then
 * default to {@code acl=creator}; {@code acl} takes {@code creator}, {@code read} or {@code
 * open} (see {@link ZooKeeperElectionBackend.Builder#acl(ZooKeeperElectionBackend.NodeAcl)}).
 * Durations are read
 * by {@link SettingValues#parseDuration} ({@code 250ms}, {@code 15s}, {@code 1.5s}, {@code
 * 2m}, {@code PT15S}).
 */
final class ZooKeeperUri {

  static final String FORM = "zookeeper://[user:password@]host:port[,host:port]/base/path"
      + "?sessionTimeout=15s&connectionTimeout=5s&acl=creator|read|open";

  private ZooKeeperUri() {
  }

  static ZooKeeperElectionBackend.Builder parse(URI uri) {
    Objects.requireNonNull(uri, "uri");
    if (uri.getScheme() == null || !uri.getScheme().equalsIgnoreCase("zookeeper")) {
      throw new IllegalArgumentException("URI '" + redact(uri)
          + "' is not a zookeeper URI; expected "
          + FORM);
    }
    if (uri.isOpaque()) {
      throw new IllegalArgumentException("zookeeper URI '" + redact(uri)
          + "' has no hosts; expected "
          + FORM);
    }
    ZooKeeperElectionBackend.Builder b = ZooKeeperElectionBackend.builder();
    String authority = uri.getRawAuthority();
    if (authority == null || authority.isEmpty()) {
      throw new IllegalArgumentException("zookeeper URI '" + redact(uri)
          + "' has no hosts; expected "
          + FORM);
    }
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      authority = authority.substring(at + 1);
      int colon = userInfo.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("user information of zookeeper URI '" + redact(uri)
            + "' must be user:password");
      }
      b.digestAuth(UriParameters.decode(userInfo.substring(0, colon)),
          UriParameters.decode(userInfo.substring(colon + 1)));
    }
    for (String host : authority.split(",", -1)) {
      int colon = host.lastIndexOf(':');
      boolean ok = colon > 0 && colon < host.length() - 1
          && host.substring(colon + 1).chars().allMatch(Character::isDigit);
      if (!ok) {
        throw new IllegalArgumentException("host '" + host + "' of zookeeper URI '" + redact(uri)
            + "' must be host:port");
      }
    }
    b.connectString(authority);
    String path = uri.getPath();
    if (path != null && !path.isEmpty()) {
      b.basePath(path);
    }
    UriParameters query = UriParameters.of(uri);
    query.take("sessionTimeout").ifPresent(
        v -> b.sessionTimeout(SettingValues.parseDuration(v, "sessionTimeout")));
    query.take("connectionTimeout").ifPresent(
        v -> b.connectionTimeout(SettingValues.parseDuration(v, "connectionTimeout")));
    query.take("acl").ifPresent(v -> b.acl(ZooKeeperElectionBackend.NodeAcl.fromUriValue(v)));
    query.requireNoneLeft();
    return b;
  }

  /** The URI without its password, for messages. */
  private static String redact(URI uri) {
    return ElectionBackends.redact(uri);
  }
}
