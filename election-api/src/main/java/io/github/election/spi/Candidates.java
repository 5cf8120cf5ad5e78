package io.github.election.spi;

import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The open candidates of one backend, safe against a {@link ElectionBackend#join} that races the
 * backend's {@code close()}: a candidate is either refused, or handed to {@link #close()} so the
 * backend can free it. Thread-safe.
 *
 * @param <C> the backend's candidate class
 */
public final class Candidates<C> implements Iterable<C> {

  private final Object owner;
  private final Set<C> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * @param owner the backend, or its label: messages show it ({@code toString()} is called only
   *     then, so a backend may pass itself from its constructor)
   */
  public Candidates(Object owner) {
    this.owner = owner;
  }

  /**
   * Adds the candidate that {@code make} builds.
   *
   * @throws IllegalStateException if {@link #close()} was called, before or during the call
   */
  public <T extends C> T add(Supplier<T> make) {
    requireOpen();
    T candidate = make.get();
    open.add(candidate);
    if (closed) {
      open.remove(candidate);
      requireOpen();
    }
    return candidate;
  }

  /** Removes a candidate that left. */
  public void remove(C candidate) {
    open.remove(candidate);
  }

  /** The open candidates; weakly consistent, like a concurrent set's iterator. */
  @Override
  public Iterator<C> iterator() {
    return open.iterator();
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Refuses candidates from now on and returns those still open, for the backend to free.
   * A second call returns none.
   */
  public List<C> close() {
    closed = true;
    List<C> left = List.copyOf(open);
    open.removeAll(left);
    return left;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException(owner + " is closed");
    }
  }
}
