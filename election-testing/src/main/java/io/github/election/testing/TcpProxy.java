package io.github.election.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on 127.0.0.1 for fixtures that cut one client's network: the client connects to
 * {@link #port()}, the proxy forwards to the store.
 *
 * <p>{@link #cut()} makes the link silent, the way a network partition does: bytes in both
 * directions are dropped and new connections are accepted but go nowhere, so the client's
 * requests time out instead of failing fast. {@link #heal()} resets the silent connections (as
 * a router that came back would, since their streams lost bytes) and forwards new ones again.
 * {@link #close()} stops everything. Thread-safe; two daemon threads per forwarded connection.
 */
public final class TcpProxy implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  /** Connections of the current cut: open when it began or accepted while it lasts. */
  private final Set<Socket> silenced = ConcurrentHashMap.newKeySet();
  private final String label;
  private volatile boolean cut;
  private volatile boolean closed;

  /**
   * Starts a proxy to {@code targetHost:targetPort} on a free port of 127.0.0.1.
   *
   * @throws UncheckedIOException if no port can be bound
   */
  public TcpProxy(String targetHost, int targetPort) {
    this(targetHost, targetPort, 0);
  }

  /**
   * Starts a proxy to {@code targetHost:targetPort} on port {@code listenPort} of 127.0.0.1 (0:
   * a free one), for tests where a store appears at an address its clients already use.
   *
   * @throws UncheckedIOException if the port cannot be bound
   */
  public TcpProxy(String targetHost, int targetPort, int listenPort) {
    this.target = new InetSocketAddress(targetHost, targetPort);
    this.label = "tcp-proxy-" + IDS.incrementAndGet() + "->" + targetPort;
    ServerSocket bound = null;
    try {
      bound = new ServerSocket();
      bound.setReuseAddress(true);
      bound.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort), 50);
    } catch (IOException e) {
      if (bound != null) {
        closeQuietly(bound);
      }
      throw new UncheckedIOException("cannot bind proxy port " + listenPort + " on 127.0.0.1", e);
    }
    server = bound;
    Thread acceptor = new Thread(this::accept, label + "-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The port on 127.0.0.1 that clients connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** {@code 127.0.0.1:port}. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  /** Makes the link silent: nothing passes in either direction until {@link #heal()}. */
  public void cut() {
    synchronized (this) {
      cut = true;
      silenced.addAll(sockets);
    }
    log.info("{}: cut", label);
  }

  /**
   * Ends the cut: forwards new connections again, then resets every connection of the cut (the
   * ones that went silent and the ones accepted while it lasted), as a router that came back
   * would, since their streams lost bytes. New connections are forwarded before the old ones are
   * reset: a client that reconnects the moment its connection is reset must reach the store, not
   * a connection parked by the cut (which it would wait on forever).
   */
  public void heal() {
    if (!cut) {
      return;
    }
    Set<Socket> silent;
    synchronized (this) {
      if (!cut) {
        return;
      }
      silent = Set.copyOf(silenced);
      cut = false; // from now on new connections are forwarded
    }
    for (Socket s : silent) {
      closeQuietly(s);
      sockets.remove(s);
    }
    silenced.removeAll(silent);
    log.info("{}: healed", label);
  }

  /**
   * Ends the cut without resetting its connections: new connections are forwarded again, but
   * the ones open when the cut began or accepted while it lasted stay silent until their ends
   * close them, as behind a load balancer or NAT that lost them and sends no reset. A client
   * must notice on its own that its old connection went dead (timeouts, keep-alive) and open a
   * new one. A later {@link #cut()} and {@link #heal()} reset them.
   */
  public void healSilently() {
    synchronized (this) {
      if (!cut) {
        return;
      }
      cut = false; // the connections of the cut stay in silenced: their bytes are still dropped
    }
    log.info("{}: healed; the connections of the cut stay silent", label);
  }

  /** Whether the link is cut. */
  public boolean isCut() {
    return cut;
  }

  /** Resets every open connection at once (a crash of the link rather than a silence). */
  public void resetAll() {
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    sockets.clear();
    silenced.clear();
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    resetAll();
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (!closed) {
          log.warn("{}: accept failed", label, e);
        }
        return;
      }
      boolean parked;
      synchronized (this) {
        sockets.add(client);
        parked = cut;
        if (parked) {
          silenced.add(client); // heal() resets it
        }
      }
      if (closed) {
        resetAll(); // close() ran while this connection was being accepted
        return;
      }
      setNoDelay(client);
      if (parked) {
        // accepted, but nothing behind it: the client waits as it would behind a partition
        pump(client, null, "in");
        continue;
      }
      Socket upstream = new Socket();
      try {
        upstream.setTcpNoDelay(true); // no Nagle stalls on top of the store's own latency
        upstream.connect(target, 2000);
      } catch (IOException e) {
        log.debug("{}: target unreachable: {}", label, e.toString());
        closeQuietly(client);
        closeQuietly(upstream);
        sockets.remove(client);
        continue;
      }
      sockets.add(upstream);
      if (closed) {
        resetAll();
        return;
      }
      pump(client, upstream, "up");
      pump(upstream, client, "down");
    }
  }

  private void pump(Socket from, Socket to, String direction) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to == null ? null : to.getOutputStream();
        for (int n; (n = in.read(buf)) >= 0; ) {
          if (cut || out == null || silenced.contains(from)) {
            continue; // dropped
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (SocketException e) {
        // closed or reset
      } catch (IOException e) {
        log.debug("{}: {} pump ended: {}", label, direction, e.toString());
      } finally {
        if (!cut) {
          closeQuietly(from);
          if (to != null) {
            closeQuietly(to);
          }
          sockets.remove(from);
          silenced.remove(from);
          if (to != null) {
            sockets.remove(to);
            silenced.remove(to);
          }
        }
      }
    }, label + "-" + direction);
    t.setDaemon(true);
    t.start();
  }

  private static void setNoDelay(Socket s) {
    try {
      s.setTcpNoDelay(true);
    } catch (SocketException e) {
      // closed already
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // nothing to do
    }
  }

  @Override
  public String toString() {
    return label + (cut ? " (cut)" : "");
  }
}
