package io.github.election.kubernetes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A black hole on 127.0.0.1 that stays black for what it swallowed: until {@link #forward()}
 * it accepts connections and never answers them; afterwards it forwards new connections to the
 * target, but the swallowed ones stay open and silent until {@link #close()}, as behind a load
 * balancer or NAT that lost them and sends no reset. (The kit's {@code TcpProxy} resets them
 * when it heals, which frees whatever waited on them.) Thread-safe; an acceptor thread and two
 * per forwarded connection, all named {@code silent-forwarder-...}, none per swallowed one.
 */
final class SilentForwarder implements AutoCloseable {

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final String label;
  private volatile boolean forwarding;
  private volatile boolean closed;

  /** Starts swallowing connections on a free port of 127.0.0.1; forwards to the target later. */
  SilentForwarder(int targetPort) {
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind a port on 127.0.0.1", e);
    }
    label = "silent-forwarder-" + server.getLocalPort();
    Thread acceptor = new Thread(this::accept, label + "-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Forwards the connections accepted from now on; the swallowed ones stay silent. */
  void forward() {
    forwarding = true;
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    sockets.forEach(SilentForwarder::closeQuietly);
    sockets.clear();
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      sockets.add(client);
      if (closed) {
        close();
        return;
      }
      if (!forwarding) {
        continue; // swallowed: open, read by nobody, answered never
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(target, 2000);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      sockets.add(upstream);
      pump(client, upstream, "up");
      pump(upstream, client, "down");
    }
  }

  private void pump(Socket from, Socket to, String direction) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        for (int n; (n = in.read(buf)) >= 0; ) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // closed or reset
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        sockets.remove(from);
        sockets.remove(to);
      }
    }, label + "-" + direction);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // nothing to do
    }
  }
}
