package io.github.election;

import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionBackendProvider;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Finds backends on the class path by the scheme of a URI, such as
 * {@code zookeeper://127.0.0.1:2181/elections} or {@code etcd://127.0.0.1:2379}.
 *
 * <p>Each backend module registers an {@link ElectionBackendProvider} with
 * {@link ServiceLoader}. Thread-safe; every call looks the class path up again.
 */
public final class ElectionBackends {

  private ElectionBackends() {
  }

  /**
   * Opens a backend for a URI. The caller owns the backend and closes it after its elections.
   *
   * @param uri a URI whose scheme names a backend on the class path
   * @throws IllegalArgumentException if no backend of that scheme is on the class path (the
   *     message lists those that are), or if the backend refuses the URI
   */
  public static ElectionBackend open(URI uri) {
    Objects.requireNonNull(uri, "uri");
    if (uri.getScheme() == null) {
      throw new IllegalArgumentException("backend URI '" + redact(uri) + "' has no scheme; expected one of "
          + available().keySet());
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    Map<String, ElectionBackendProvider> providers = available();
    ElectionBackendProvider provider = providers.get(scheme);
    if (provider == null) {
      StringBuilder msg = new StringBuilder("no election backend for scheme '").append(scheme)
          .append("' (URI '").append(redact(uri)).append("'); on the class path: ");
      if (providers.isEmpty()) {
        msg.append("none");
      } else {
        providers.values().forEach(p -> msg.append("\n  ").append(p.scheme()).append(": ")
            .append(p.description()));
      }
      msg.append("\nadd the module io.github.election:election-").append(scheme)
          .append(" to the class path if it exists");
      throw new IllegalArgumentException(msg.toString());
    }
    return provider.open(uri);
  }

  /**
   * Opens a backend for a URI given as text.
   *
   * @throws IllegalArgumentException if the text is not a URI, or as {@link #open(URI)}
   */
  public static ElectionBackend open(String uri) {
    Objects.requireNonNull(uri, "uri");
    try {
      return open(new URI(uri));
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("backend URI is malformed: " + e.getReason()
          + " at index " + e.getIndex(), e);
    }
  }

  /** The providers on the class path, by scheme, sorted. */
  public static Map<String, ElectionBackendProvider> available() {
    Map<String, ElectionBackendProvider> byScheme = new TreeMap<>();
    for (ElectionBackendProvider p : ServiceLoader.load(ElectionBackendProvider.class)) {
      byScheme.putIfAbsent(p.scheme().toLowerCase(Locale.ROOT), p);
    }
    return byScheme;
  }

  /** Query parameters whose values {@link #redact} hides. */
  private static final java.util.Set<String> SECRET_PARAMETERS =
      java.util.Set.of("password", "token", "secret");

  /**
   * A backend URI as it may be printed or logged: the password of its user information
   * ({@code user:***@host}) and the values of its {@code password}, {@code token} and
   * {@code secret} parameters replaced by {@code ***}. Backends use it in their error messages.
   */
  public static String redact(URI uri) {
    Objects.requireNonNull(uri, "uri");
    String shown = uri.toString();
    if (uri.isOpaque()) {
      return shown;
    }
    String authority = uri.getRawAuthority(); // host lists make no user info for java.net.URI
    String userInfo = authority == null || authority.lastIndexOf('@') < 0 ? null
        : authority.substring(0, authority.lastIndexOf('@'));
    if (userInfo != null && userInfo.indexOf(':') >= 0) {
      shown = shown.replace(userInfo + "@",
          userInfo.substring(0, userInfo.indexOf(':')) + ":***@");
    }
    String query = uri.getRawQuery();
    if (query != null) {
      StringBuilder hidden = new StringBuilder();
      for (String pair : query.split("&", -1)) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        hidden.append(hidden.length() == 0 ? "" : "&").append(eq >= 0
            && SECRET_PARAMETERS.contains(key.toLowerCase(Locale.ROOT)) ? key + "=***" : pair);
      }
      shown = shown.replace("?" + query, "?" + hidden);
    }
    return shown;
  }

}
