package io.github.election.memory;

import io.github.election.ElectionBackends;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionBackendProvider;
import java.net.URI;

/**
 * Serves {@code memory://NAME}: a new client of the in-memory store of that name in this
 * process ({@link InMemoryElectionStore#named}). For demos and tests; nothing leaves the JVM.
 */
public final class InMemoryBackendProvider implements ElectionBackendProvider {

  @Override
  public String scheme() {
    return "memory";
  }

  @Override
  public String description() {
    return "memory://NAME, an in-process store for demos and tests (election-memory)";
  }

  @Override
  public ElectionBackend open(URI uri) {
    String name = uri.getAuthority() != null ? uri.getAuthority() : uri.getSchemeSpecificPart();
    if (name == null || name.isBlank() || name.startsWith("/")) {
      throw new IllegalArgumentException("memory URI '" + ElectionBackends.redact(uri)
          + "' has no store name; expected memory://NAME");
    }
    return InMemoryElectionStore.named(name).connect();
  }
}
