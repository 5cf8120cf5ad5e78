package io.github.election.spi;

import io.github.election.ElectionBackends;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The query parameters of a backend URI ({@code scheme://...?name=value&...}), read the one way
 * every backend reads them, so that a provider only says which names it knows:
 *
 * <ul>
 *   <li>names and values are percent-decoded as RFC 3986 says; a {@code '+'} stays a plus sign
 *       (it is not form encoding, where it would be a space: a password may contain one);
 *   <li>names are matched without regard to case ({@code sessionTimeout} = {@code sessiontimeout});
 *   <li>a name given twice, or a name the provider never {@linkplain #take took}, is refused with
 *       a message that shows the URI {@linkplain ElectionBackends#redact redacted}.
 * </ul>
 *
 * <p>Not thread-safe: a provider makes one for the URI it parses.
 */
public final class UriParameters {

  private final String shown;
  private final Map<String, String> values = new LinkedHashMap<>();
  private final Set<String> known = new LinkedHashSet<>();

  private UriParameters(String shown) {
    this.shown = shown;
  }

  /**
   * Reads the query of {@code uri}.
   *
   * @throws IllegalArgumentException if a name is given twice
   */
  public static UriParameters of(URI uri) {
    UriParameters p = new UriParameters(uri.getScheme() + " URI '" + ElectionBackends.redact(uri)
        + "'");
    String raw = uri.getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return p;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      // java.net.URI has checked every escape already: decoding cannot fail
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (p.values.put(name.toLowerCase(Locale.ROOT), value) != null) {
        throw new IllegalArgumentException(p.shown + " repeats the parameter " + name);
      }
    }
    return p;
  }

  /** Removes and returns the value of parameter {@code name}; empty when the URI does not give it. */
  public Optional<String> take(String name) {
    known.add(name);
    return Optional.ofNullable(values.remove(name.toLowerCase(Locale.ROOT)));
  }

  /**
   * Refuses parameters that no {@link #take} asked for.
   *
   * @throws IllegalArgumentException naming them, and the names this provider knows
   */
  public void requireNoneLeft() {
    if (!values.isEmpty()) {
      throw new IllegalArgumentException(shown + " has unknown parameters " + values.keySet()
          + "; known: " + String.join(", ", known));
    }
  }

  /** Percent-decodes one part of a URI (RFC 3986: a {@code '+'} stays a plus sign). */
  public static String decode(String raw) {
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
