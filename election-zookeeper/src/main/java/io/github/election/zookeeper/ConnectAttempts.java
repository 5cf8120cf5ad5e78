package io.github.election.zookeeper;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.utils.ZookeeperFactory;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ConnectStringParser;
import org.apache.zookeeper.client.HostProvider;
import org.apache.zookeeper.client.StaticHostProvider;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * The connection attempts of a backend's own ZooKeeper client, and why they fail: while the
 * client is not connected, {@link #reason()} names the connect string and what became of each
 * address tried, and the candidates report that as their reason for {@code UNKNOWN}.
 *
 * <p>Curator makes each ZooKeeper handle of the client through this factory (the first one, and
 * a new one after a session expired), with a {@link HostProvider} that is ZooKeeper's own {@link
 * StaticHostProvider} (same order, same name resolution) with two changes: it notes each address
 * handed to the client, and it paces passes over the server list differently (below).
 *
 * <p><b>What became of an address.</b> A name that does not resolve is known from the address
 * itself: ZooKeeper's client resolves it in {@code next()} and hands it on unresolved. Otherwise,
 * once the client has gone {@value #GRACE_MILLIS} ms without a connection, a probe opens a TCP
 * connection of its own to the resolved address the client tries (non-blocking, polled on the
 * backend's I/O thread, closed as soon as it is decided, nothing sent): refused or failing
 * ({@code cannot connect: Connection refused}), no TCP answer within {@value #PROBE_MILLIS} ms,
 * or accepted, in which case ZooKeeper itself gives the client no answer. An address is probed
 * again at most every {@value #REPROBE_MILLIS} ms; the findings are forgotten once the client
 * connects. The texts do not change from one probe to the next as long as the finding does not,
 * so that the engine logs them once, not once per round.
 *
 * <p><b>Pacing.</b> ZooKeeper's client sleeps its spin delay (1 s) before every pass over the
 * server list after the first, so with one server before every reconnection, even after a
 * connection that lasted for hours or an attempt that waited for seconds on a silent address.
 * Here a pass starts at most one spin delay after the start of the previous pass: never more
 * often (no busy loop against a closed port or a name that does not resolve, and no more log
 * lines of ZooKeeper's client than with its own pacing), and without sleeping when the previous
 * pass took that long already. A healed network is then reached after ZooKeeper's own random
 * wait (up to 1 s) alone, plus what is left of the spin delay when the attempt it ends began
 * less than a second before. In ZooKeeperUnreachableTest, where a silent address heals about
 * 0.7 s into the client's first attempt, the candidate led 0.5 to 1.4 s after the heal (13
 * runs), against 1.2 to 2.0 s with ZooKeeper's pacing (6 runs). The sleep ends early when the
 * backend closes.
 *
 * <p>Thread-safe: {@code next()} runs on the client's send thread, probes on the backend's I/O
 * thread, {@link #reason()} on any.
 */
final class ConnectAttempts implements ZookeeperFactory {

  /** How long the client may go without a connection before its address is probed. */
  static final long GRACE_MILLIS = 250;
  /** How long a probe waits for a TCP answer. */
  static final long PROBE_MILLIS = 1000;
  /** How long a finding about an address stands before the address is probed again. */
  static final long REPROBE_MILLIS = 5000;
  private static final long POLL_MILLIS = 20;

  static final String NO_ANSWER = "it accepts TCP connections but ZooKeeper gives no answer";

  private final String connectString;
  private final ScheduledExecutorService io;
  private final Object lock = new Object();

  // guarded by lock
  private final Map<String, Finding> findings = new LinkedHashMap<>();
  private boolean connected;
  private long unconnectedSince = System.nanoTime();
  private InetSocketAddress current; // the resolved address the client tries now, or null
  private String currentKey; // its host:port as ZooKeeper's client was handed it
  private SocketChannel probe; // the probe under way, or null
  private boolean closed;

  /** What a probe or the resolution found about one address, and when. */
  private record Finding(String text, long at) {
  }

  ConnectAttempts(String connectString, ScheduledExecutorService io) {
    this.connectString = connectString;
    this.io = io;
  }

  // ---------------------------------------------------------------- ZookeeperFactory

  @Override
  public ZooKeeper newZooKeeper(String connectString, int sessionTimeout, Watcher watcher,
      boolean canBeReadOnly) throws Exception {
    return newZooKeeper(connectString, sessionTimeout, watcher, canBeReadOnly, null);
  }

  @Override
  public ZooKeeper newZooKeeper(String connectString, int sessionTimeout, Watcher watcher,
      boolean canBeReadOnly, ZKClientConfig config) throws Exception {
    Collection<InetSocketAddress> servers =
        new ConnectStringParser(connectString).getServerAddresses();
    return new ZooKeeper(connectString, sessionTimeout, watcher, canBeReadOnly,
        new Tracked(new StaticHostProvider(servers)), config);
  }

  // ---------------------------------------------------------------- for the backend

  /**
   * Why the client is not connected, naming the connect string: {@code not connected to
   * ZooKeeper at host:port: cannot connect: Connection refused}, or {@code ... (connecting)}
   * before anything is known. With several addresses, each one's finding follows its name.
   */
  String reason() {
    StringBuilder out = new StringBuilder("not connected to ZooKeeper at ").append(connectString);
    synchronized (lock) {
      if (findings.isEmpty()) {
        return out.append(" (connecting)").toString();
      }
      boolean one = findings.size() == 1 && !connectString.contains(",");
      String sep = ": ";
      for (Map.Entry<String, Finding> f : findings.entrySet()) {
        out.append(sep);
        if (!one) {
          out.append(f.getKey()).append(' ');
        }
        out.append(f.getValue().text);
        sep = "; ";
      }
    }
    return out.toString();
  }

  /** The backend closes: a probe under way is dropped, a pacing sleep ends. */
  void close() {
    SocketChannel p;
    synchronized (lock) {
      closed = true;
      p = probe;
      probe = null;
      lock.notifyAll();
    }
    closeQuietly(p);
  }

  // ---------------------------------------------------------------- from the send thread

  /** The client was handed {@code address} for its next attempt. */
  private void attempting(InetSocketAddress address) {
    // the key is taken now: the client looks the name of the address up later, which changes
    // what getHostString() answers (127.0.0.1 becomes localhost)
    String key = address.getHostString() + ":" + address.getPort();
    long now = System.nanoTime();
    long wait;
    synchronized (lock) {
      if (connected) {
        connected = false;
        unconnectedSince = now;
      }
      if (address.isUnresolved()) {
        current = null;
        findings.put(key, new Finding(address.getHostString() + " does not resolve (unknown host)",
            now));
        return;
      }
      current = address;
      currentKey = key;
      wait = Math.max(0, GRACE_MILLIS - TimeUnit.NANOSECONDS.toMillis(now - unconnectedSince));
    }
    schedule(this::probeIfDue, wait);
  }

  private void connected() {
    synchronized (lock) {
      connected = true;
      current = null;
      currentKey = null;
      findings.clear();
    }
  }

  /**
   * Sleeps until one spin delay has passed since {@code passStart}, or the backend closed.
   */
  private void pace(long passStart, long spinDelayMillis) {
    long end = passStart + TimeUnit.MILLISECONDS.toNanos(spinDelayMillis);
    synchronized (lock) {
      for (long left = end - System.nanoTime(); left > 0 && !closed;
          left = end - System.nanoTime()) {
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  // ---------------------------------------------------------------- probes, on the I/O thread

  private void probeIfDue() {
    InetSocketAddress address;
    String key;
    SocketChannel channel;
    long now = System.nanoTime();
    synchronized (lock) {
      address = current;
      key = currentKey;
      if (closed || connected || address == null || probe != null
          || now - unconnectedSince < TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS)) {
        return;
      }
      Finding known = findings.get(key);
      if (known != null && now - known.at < TimeUnit.MILLISECONDS.toNanos(REPROBE_MILLIS)) {
        return;
      }
      try {
        probe = SocketChannel.open();
        probe.configureBlocking(false);
      } catch (IOException e) {
        closeQuietly(probe);
        probe = null;
        return; // no finding: the reason stays as it was
      }
      channel = probe;
    }
    try {
      if (channel.connect(address)) {
        decide(channel, key, NO_ANSWER);
      } else {
        poll(channel, key, now + TimeUnit.MILLISECONDS.toNanos(PROBE_MILLIS));
      }
    } catch (IOException | RuntimeException e) {
      decide(channel, key, cannotConnect(e));
    }
  }

  private void poll(SocketChannel channel, String key, long deadline) {
    try {
      if (channel.finishConnect()) {
        decide(channel, key, NO_ANSWER);
      } else if (System.nanoTime() - deadline >= 0) {
        decide(channel, key, "no answer to a TCP connection within " + PROBE_MILLIS + "ms");
      } else {
        schedule(() -> poll(channel, key, deadline), POLL_MILLIS);
      }
    } catch (IOException | RuntimeException e) {
      decide(channel, key, cannotConnect(e));
    }
  }

  /** Ends a probe: closes it and records the finding, unless the client connected meanwhile. */
  private void decide(SocketChannel channel, String key, String text) {
    closeQuietly(channel);
    synchronized (lock) {
      if (probe != channel) {
        return; // closed meanwhile
      }
      probe = null;
      if (!connected && !closed) {
        findings.put(key, new Finding(text, System.nanoTime()));
      }
    }
  }

  private void schedule(Runnable task, long delayMillis) {
    try {
      io.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      close(); // the backend closed
    }
  }

  private static String cannotConnect(Exception e) {
    String message = e.getMessage();
    return "cannot connect: " + (message == null || message.isBlank() ? e.toString() : message);
  }

  private static void closeQuietly(SocketChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }

  @Override
  public String toString() {
    return "ConnectAttempts{" + reason() + "}";
  }

  /**
   * ZooKeeper's StaticHostProvider, noting each address and pacing passes as described. Called
   * by the client's send thread only.
   */
  private final class Tracked implements HostProvider {
    private final StaticHostProvider delegate;
    private int inPass; // addresses handed out in the current pass
    private long passStart; // System.nanoTime() when the current pass began
    private boolean started;

    Tracked(StaticHostProvider delegate) {
      this.delegate = delegate;
      this.inPass = delegate.size();
    }

    @Override
    public int size() {
      return delegate.size();
    }

    @Override
    public InetSocketAddress next(long spinDelay) {
      if (inPass >= delegate.size()) {
        if (started && spinDelay > 0) {
          pace(passStart, spinDelay);
        }
        started = true;
        inPass = 0;
        passStart = System.nanoTime();
      }
      inPass++;
      InetSocketAddress address = delegate.next(0);
      attempting(address);
      return address;
    }

    @Override
    public void onConnected() {
      delegate.onConnected();
      inPass = delegate.size(); // the next attempt starts a pass, paced from this one's start
      connected();
    }

    @Override
    public boolean updateServerList(Collection<InetSocketAddress> serverAddresses,
        InetSocketAddress currentHost) {
      return delegate.updateServerList(serverAddresses, currentHost);
    }
  }
}
