package io.github.election;

import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionBackendProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
   * <p>Messages of the exceptions thrown show the URI as {@link #redact(URI)} does, also those
   * of a provider that prints the URI as it is (its exception is then replaced by one with the
   * same stack trace and the scrubbed message, without cause).
   *
   * @param uri a URI whose scheme names a backend on the class path
   * @throws IllegalArgumentException if no backend of that scheme is on the class path (the
   *     message lists those that are), or if the backend refuses the URI
   */
  public static ElectionBackend open(URI uri) {
    return open(uri, null);
  }

  /**
   * Opens a backend for a URI given as text.
   *
   * @throws IllegalArgumentException if the text is not a URI (the message shows it as
   *     {@link #redact(String)} does), or as {@link #open(URI)}
   */
  public static ElectionBackend open(String uri) {
    Objects.requireNonNull(uri, "uri");
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      // the exception's own message repeats the input: it is not kept as the cause
      throw new IllegalArgumentException("backend URI '" + redact(uri) + "' is malformed: "
          + e.getReason() + " at index " + e.getIndex());
    }
    return open(parsed, uri);
  }

  private static ElectionBackend open(URI uri, String given) {
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
    try {
      return provider.open(uri);
    } catch (IllegalArgumentException e) {
      String scrubbed = scrub(e.getMessage(), uri, given);
      if (scrubbed == null) {
        throw e;
      }
      IllegalArgumentException safe = new IllegalArgumentException(scrubbed);
      safe.setStackTrace(e.getStackTrace());
      throw safe;
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

  /**
   * Words that make a query parameter secret when its name, percent-decoded, lower-cased and
   * stripped of everything but letters, contains one: {@code password}, {@code Pass%77ord},
   * {@code pass_word}, {@code passwd}, {@code pwd}, {@code token}, {@code authToken},
   * {@code client-secret}, {@code credentials}, {@code apiKey}.
   */
  private static final List<String> SECRET_WORDS =
      List.of("pass", "pwd", "secret", "token", "credential", "auth", "apikey");

  /** Shorter secret values are not searched for in a provider's message: they match any text. */
  private static final int SHORTEST_SCRUBBED = 4;

  private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):");

  /**
   * A backend URI as it may be printed or logged, with everything that may be a secret replaced
   * by {@code ***}:
   *
   * <ul>
   *   <li>user information: {@code user:***@host} when it has a colon, else {@code ***@host}
   *       (a bare token is as secret as a password);
   *   <li>the values of query parameters whose name, percent-decoded, contains {@code pass},
   *       {@code pwd}, {@code secret}, {@code token}, {@code credential}, {@code auth} or
   *       {@code apikey} (any case, ignoring {@code -}, {@code _} and other non-letters), and of
   *       parameters whose name cannot be decoded;
   *   <li>the fragment ({@code #***}), which no backend reads.
   * </ul>
   *
   * <p>An opaque URI ({@code zookeeper:user:pw@host}, {@code etcd:host?password=x}) is read as
   * if its scheme were followed by {@code //} and shown in its own form
   * ({@code zookeeper:user:***@host}); if even that does not parse, only its scheme is shown
   * ({@code zookeeper:***}). Scheme, host, port and path are shown as given. Backends use this in
   * their error messages; it never throws for a URI.
   *
   * @throws NullPointerException if {@code uri} is null
   */
  public static String redact(URI uri) {
    Objects.requireNonNull(uri, "uri");
    String scheme = uri.getScheme();
    if (uri.isOpaque()) {
      String fragment = uri.getRawFragment() == null ? "" : "#" + uri.getRawFragment();
      URI hierarchical;
      try {
        hierarchical = new URI(scheme + "://" + uri.getRawSchemeSpecificPart() + fragment);
      } catch (URISyntaxException e) {
        return scheme + ":***";
      }
      if (hierarchical.isOpaque()) {
        return scheme + ":***";
      }
      return scheme + ":" + redact(hierarchical).substring(scheme.length() + 3);
    }
    StringBuilder shown = new StringBuilder();
    if (scheme != null) {
      shown.append(scheme).append(':');
    }
    String authority = uri.getRawAuthority(); // host lists make no user info for java.net.URI
    if (authority != null || uri.getRawSchemeSpecificPart().startsWith("//")) {
      shown.append("//");
    }
    if (authority != null) {
      int at = authority.lastIndexOf('@');
      if (at >= 0) {
        String userInfo = authority.substring(0, at);
        int colon = userInfo.indexOf(':');
        shown.append(colon >= 0 ? userInfo.substring(0, colon + 1) : "").append("***@");
      }
      shown.append(authority, at + 1, authority.length());
    }
    if (uri.getRawPath() != null) {
      shown.append(uri.getRawPath());
    }
    String query = uri.getRawQuery();
    if (query != null) {
      shown.append('?');
      String[] pairs = query.split("&", -1);
      for (int i = 0; i < pairs.length; i++) {
        String pair = pairs[i];
        int eq = pair.indexOf('=');
        shown.append(i == 0 ? "" : "&").append(eq >= 0 && isSecretParameter(pair.substring(0, eq))
            ? pair.substring(0, eq) + "=***" : pair);
      }
    }
    if (uri.getRawFragment() != null) {
      shown.append("#***");
    }
    return shown.toString();
  }

  /**
   * Text given as a backend URI, as it may be printed or logged: {@link #redact(URI)} if it is a
   * URI; otherwise only its scheme, when it starts with one, followed by {@code :***}
   * ({@code zoo keeper://u:pw@h} gives {@code ***}, {@code zookeeper://u:pw@[h} gives
   * {@code zookeeper:***}), since the parts of text that does not parse cannot be told apart.
   *
   * @throws NullPointerException if {@code text} is null
   */
  public static String redact(String text) {
    Objects.requireNonNull(text, "text");
    try {
      return redact(new URI(text));
    } catch (URISyntaxException e) {
      Matcher m = SCHEME.matcher(text);
      return m.lookingAt() ? m.group(1) + ":***" : "***";
    }
  }

  private static boolean isSecretParameter(String rawName) {
    String name = percentDecode(rawName.replace('+', ' '));
    if (name == null) {
      return true; // cannot tell what a backend will make of it
    }
    String letters = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "");
    return SECRET_WORDS.stream().anyMatch(letters::contains);
  }

  /** Percent-decodes UTF-8, or null if an escape is malformed. */
  private static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          return null;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        bytes.write(hi * 16 + lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /**
   * The secrets {@link #redact(URI)} hides, raw and decoded, for scrubbing a provider's message:
   * user information (or its password), the values of secret parameters and the fragment.
   */
  private static Set<String> secretsOf(URI uri) {
    Set<String> secrets = new LinkedHashSet<>();
    URI u = uri;
    if (uri.isOpaque()) {
      try {
        u = new URI(uri.getScheme() + "://" + uri.getRawSchemeSpecificPart());
      } catch (URISyntaxException e) {
        secrets.add(uri.getRawSchemeSpecificPart());
        return secrets;
      }
    }
    String authority = u.getRawAuthority();
    if (authority != null && authority.lastIndexOf('@') >= 0) {
      String userInfo = authority.substring(0, authority.lastIndexOf('@'));
      int colon = userInfo.indexOf(':');
      addWithDecoded(secrets, colon >= 0 ? userInfo.substring(colon + 1) : userInfo);
    }
    if (u.getRawQuery() != null) {
      for (String pair : u.getRawQuery().split("&")) {
        int eq = pair.indexOf('=');
        if (eq >= 0 && isSecretParameter(pair.substring(0, eq))) {
          addWithDecoded(secrets, pair.substring(eq + 1));
        }
      }
    }
    if (uri.getRawFragment() != null) {
      addWithDecoded(secrets, uri.getRawFragment());
    }
    return secrets;
  }

  private static void addWithDecoded(Set<String> secrets, String raw) {
    secrets.add(raw);
    String decoded = percentDecode(raw);
    if (decoded != null) {
      secrets.add(decoded);
      secrets.add(percentDecode(raw.replace('+', ' ')));
    }
  }

  /**
   * A provider's message with the URI and its secrets as {@link #redact(URI)} shows them, so
   * that a provider that prints a URI as it is does not reveal it; null if nothing was hidden.
   */
  private static String scrub(String message, URI uri, String given) {
    if (message == null) {
      return null;
    }
    String shown = redact(uri);
    String scrubbed = message;
    for (String form : new String[] {given, uri.toString()}) {
      if (form != null && !form.equals(shown)) {
        scrubbed = scrubbed.replace(form, shown);
      }
    }
    for (String secret : secretsOf(uri)) {
      if (secret.length() >= SHORTEST_SCRUBBED) {
        scrubbed = scrubbed.replace(secret, "***");
      }
    }
    return scrubbed.equals(message) ? null : scrubbed;
  }
}
