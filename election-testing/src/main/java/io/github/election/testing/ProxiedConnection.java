package io.github.election.testing;

import io.github.election.spi.ElectionBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * A {@link StoreHarness.Connection} through {@link TcpProxy TCP proxies} of its own, one per
 * member of the store (or straight to the store, when it has none: it can then be neither cut
 * nor crashed). A store's harness says how a backend is made on it and what URI a client in
 * another process opens.
 *
 * <p>Faults: {@link #cut()} silences every proxy, {@link #heal()} heals them, {@link #crash()}
 * silences them all first and then closes them (closing them one by one would let the client
 * fail over to one not yet closed, and {@link TcpProxy#close()} can miss a connection it is
 * accepting at that moment; the cut stays in force on such a connection).
 */
public abstract class ProxiedConnection implements StoreHarness.Connection {

  private final List<TcpProxy> proxies;
  private final String address;
  private ElectionBackend backend;

  /**
   * A connection through these proxies, or straight to {@code direct} when there are none.
   *
   * @param proxies the connection's own proxies, member order; closed with it
   * @param direct the store's own address, used only when {@code proxies} is empty
   */
  protected ProxiedConnection(List<TcpProxy> proxies, String direct) {
    this.proxies = List.copyOf(proxies);
    StringJoiner j = new StringJoiner(",");
    proxies.forEach(p -> j.add(p.address()));
    this.address = proxies.isEmpty() ? direct : j.toString();
  }

  /** One new proxy on 127.0.0.1 to each port, in order. */
  public static List<TcpProxy> proxiesTo(List<Integer> ports) {
    List<TcpProxy> out = new ArrayList<>();
    try {
      for (int port : ports) {
        out.add(new TcpProxy("127.0.0.1", port));
      }
    } catch (RuntimeException e) {
      out.forEach(TcpProxy::close);
      throw e;
    }
    return out;
  }

  /** {@code host:port} of each proxy (or the store's own address), comma-separated. */
  @Override
  public String address() {
    return address;
  }

  /** Makes the backend of {@link #backend}, on {@link #address()}. */
  protected abstract ElectionBackend newBackend(String base, Duration leaseDuration);

  @Override
  public final synchronized ElectionBackend backend(String base, Duration leaseDuration) {
    if (backend == null) {
      backend = newBackend(base, leaseDuration);
    }
    return backend;
  }

  private void requireProxies(String what) {
    if (proxies.isEmpty()) {
      throw new IllegalStateException(what + ": a connection without proxies");
    }
  }

  @Override
  public void cut() {
    requireProxies("cut");
    proxies.forEach(TcpProxy::cut);
  }

  @Override
  public void heal() {
    requireProxies("heal");
    proxies.forEach(TcpProxy::heal);
  }

  @Override
  public void crash() {
    requireProxies("crash");
    proxies.forEach(TcpProxy::cut);
    proxies.forEach(TcpProxy::close);
  }

  /** Closes the backend, then the proxies (their threads end with the client). */
  @Override
  public void close() {
    ElectionBackend b;
    synchronized (this) {
      b = backend;
    }
    try {
      if (b != null) {
        b.close();
      }
    } finally {
      proxies.forEach(TcpProxy::close);
    }
  }

  @Override
  public String toString() {
    return "connection to " + address;
  }
}
