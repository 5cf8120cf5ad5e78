package io.github.election.spi;

import java.net.URI;

/**
 * Makes backends from URIs; found through {@link java.util.ServiceLoader}. A backend module
 * registers its provider in {@code META-INF/services/io.github.election.spi.ElectionBackendProvider},
 * and {@code ElectionBackends.open(URI)} picks it by the URI's scheme.
 */
public interface ElectionBackendProvider {

  /** The URI scheme this provider serves, in lower case, such as {@code zookeeper}. */
  String scheme();

  /** One line for error messages and help: the URI form and the module to add. */
  String description();

  /**
   * Makes a backend from a URI of this provider's scheme. The backend owns the clients it makes
   * and frees them on {@link ElectionBackend#close()}.
   *
   * @throws IllegalArgumentException if the URI is malformed for this store, naming the part
   */
  ElectionBackend open(URI uri);
}
