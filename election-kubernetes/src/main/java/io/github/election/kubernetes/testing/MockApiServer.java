package io.github.election.kubernetes.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.crud.AttributeSet;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * fabric8's mock API server in CRUD mode on 127.0.0.1 (plain HTTP), restartable on the same
 * ports with the same data. Needs {@code io.fabric8:kubernetes-server-mock} on the class path, an
 * optional dependency of this artifact.
 *
 * <p><b>One store, several front ends.</b> The objects, their resource versions and the watches
 * live in one {@link KubernetesCrudDispatcher}; each client gets its own HTTP front end (a mock
 * server on its own port and Vert.x instance) on that dispatcher. They behave as one API server
 * (the conformance test checks the 409s on the primary one), but a front end whose event loop
 * stalls does not stall the others: fabric8 8.0.0's mock blocks a front end's event loop for up
 * to 30 s when a watch closes while an event is being sent down it
 * ({@code WatchEventsListener.onClosed} waits for a send that waits for that event loop).
 *
 * <p>{@link #stop()} then {@link #start()} restarts every front end on its port; the dispatcher
 * survives, as etcd would survive a restart of kube-apiserver.
 */
public final class MockApiServer implements AutoCloseable {

  /** The namespace of the clients that {@link #config} configures. */
  public static final String NAMESPACE = "election-test";

  /**
   * The thread group of the servers' threads (each Vert.x instance makes them from the thread
   * that builds the server, and they inherit its group), so that the kit's check for leftover
   * client threads (rule C3) can tell them from the clients' own Vert.x threads.
   */
  public static final ThreadGroup THREADS = new ThreadGroup("mock-api-server");

  private final KubernetesCrudDispatcher dispatcher = new Dispatcher();

  /**
   * fabric8 8.0.0's dispatcher, minus one of its bugs: a watch that closed stays registered
   * until its {@code WatchEventsListener.onClosed} has waited for its executor (up to 30 s), but
   * that executor is already shut down, so an event for it throws
   * {@link RejectedExecutionException} inside the write that caused the event, and that write
   * never gets an answer (seen: a candidate taking over a Lease after the holder's client
   * crashed timed out on every PUT). Such listeners are dropped, and the event is delivered
   * again (a live watch may then see it twice, which a watch must tolerate anyway).
   */
  public static final class Dispatcher extends KubernetesCrudDispatcher {

    private static final int ATTEMPTS = 4;

    @Override
    public void processEvent(String path, AttributeSet pathAttributes,
        AttributeSet oldAttributes, GenericKubernetesResource resource, String newState) {
      for (int attempt = 1; ; attempt++) {
        try {
          super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
          return;
        } catch (RejectedExecutionException e) {
          if (attempt == ATTEMPTS || !dropClosedWatches()) {
            throw e;
          }
        }
      }
    }

    /** Removes the listeners whose executor was shut down; whether there were any. */
    public boolean dropClosedWatches() {
      try {
        Field listeners = KubernetesCrudDispatcher.class.getDeclaredField("watchEventListeners");
        listeners.setAccessible(true);
        Set<?> set = (Set<?>) listeners.get(this);
        boolean dropped = false;
        for (Object listener : set) {
          Field executor = listener.getClass().getDeclaredField("executor"); // WatchEventsListener
          executor.setAccessible(true);
          if (((ExecutorService) executor.get(listener)).isShutdown()) {
            dropped |= set.remove(listener);
          }
        }
        return dropped;
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("the fabric8 mock server changed: "
            + "MockApiServer.Dispatcher needs a look", e);
      }
    }
  }
  private final List<Frontend> frontends = new ArrayList<>();
  private boolean running;

  /** One HTTP front end: a port that clients connect to. */
  public final class Frontend {
    private int port;
    private KubernetesMockServer server;

    /** Its port on 127.0.0.1. */
    public int port() {
      synchronized (MockApiServer.this) {
        return port;
      }
    }

    /** The paths (with query) of the requests this front end received since the last call. */
    public List<String> takeRequestPaths() {
      return takeRequests().stream().map(r -> r.substring(r.indexOf(' ') + 1)).toList();
    }

    /**
     * The requests this front end received since the last call, each as its method and path
     * (with query), such as {@code PUT /apis/coordination.k8s.io/v1/namespaces/x/leases/jobs}.
     */
    public List<String> takeRequests() {
      KubernetesMockServer s;
      synchronized (MockApiServer.this) {
        s = server;
      }
      List<String> out = new ArrayList<>();
      if (s == null) {
        return out;
      }
      try {
        for (var r = s.takeRequest(1, TimeUnit.MILLISECONDS); r != null;
            r = s.takeRequest(1, TimeUnit.MILLISECONDS)) {
          out.add(r.getMethod() + " " + r.getPath());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return out;
    }

    /** Holds the outer lock. */
    private void startOnPort() {
      int wanted = port;
      AtomicReference<KubernetesMockServer> started = new AtomicReference<>();
      // a port of a front end that stalled while stopping may take a moment to be free again
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      for (;;) {
        try {
          started.set(inServerGroup(() -> {
            KubernetesMockServer m = new KubernetesMockServer(new Context(),
                new MockWebServer(), new HashMap<>(), dispatcher, false);
            m.start(InetAddress.getLoopbackAddress(), wanted);
            return m;
          }));
          break;
        } catch (RuntimeException e) {
          if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException("front end does not listen on "
                + (wanted == 0 ? "a free port" : "port " + wanted) + " within 40 s", e);
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // the next try to bind
        }
      }
      server = started.get();
      port = server.getPort();
    }

    /** Holds the outer lock. Stops this front end, waiting at most a moment for it. */
    private Thread stopAsync() {
      KubernetesMockServer s = server;
      server = null;
      if (s == null) {
        return null;
      }
      Thread t = new Thread(THREADS, () -> {
        try {
          s.shutdown();
        } catch (RuntimeException e) {
          // a stalled event loop: it gives up on its own after its timeout
        }
      }, "mock-api-server-stopper-" + port);
      t.setDaemon(true);
      t.start();
      return t;
    }
  }

  /** Starts every front end (the primary one, made here if none exists yet). */
  public synchronized MockApiServer start() {
    if (frontends.isEmpty()) {
      frontends.add(new Frontend());
    }
    for (Frontend f : frontends) {
      if (f.server == null) {
        f.startOnPort();
      }
    }
    running = true;
    return this;
  }

  /** A new front end on a free port, running if the server runs. */
  public synchronized Frontend newFrontend() {
    Frontend f = new Frontend();
    frontends.add(f);
    if (running) {
      f.startOnPort();
    }
    return f;
  }

  /**
   * A new front end on a given port of 127.0.0.1 (a port that clients were told of before
   * anything listened there), running if the server runs; it waits until the port can be bound.
   */
  public synchronized Frontend newFrontendOn(int port) {
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port);
    }
    Frontend f = new Frontend();
    f.port = port;
    frontends.add(f);
    if (running) {
      f.startOnPort();
    }
    return f;
  }

  /**
   * Stops every front end; the data stays for the next {@link #start()}. Waits up to two
   * seconds for them to stop listening.
   */
  public synchronized void stop() {
    running = false;
    List<Thread> stoppers = new ArrayList<>();
    for (Frontend f : frontends) {
      Thread t = f.stopAsync();
      if (t != null) {
        stoppers.add(t);
      }
    }
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    for (Thread t : stoppers) {
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Whether the front ends run. */
  public synchronized boolean isRunning() {
    return running;
  }

  /** The port of the primary front end on 127.0.0.1. */
  public synchronized int port() {
    if (frontends.isEmpty()) {
      throw new IllegalStateException("not started");
    }
    return frontends.get(0).port;
  }

  /** Runs {@code what} on a thread of {@link #THREADS}, so that the threads it makes join it. */
  static <T> T inServerGroup(Supplier<T> what) {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    Thread t = new Thread(THREADS, () -> {
      try {
        result.set(what.get());
      } catch (RuntimeException e) {
        failure.set(e);
      }
    }, "mock-api-server-starter");
    t.start();
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the mock API server", e);
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    return result.get();
  }

  /** Whether the thread is one of the servers' (or of the direct clients'). */
  public static boolean isServerThread(Thread t) {
    ThreadGroup g = t.getThreadGroup();
    while (g != null) {
      if (g == THREADS) {
        return true;
      }
      g = g.getParent();
    }
    return false;
  }

  /** A client configuration for {@code http://127.0.0.1:port}, nothing read from the machine. */
  public static Config config(int port, int requestTimeoutMillis) {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl("http://127.0.0.1:" + port)
        .withNamespace(NAMESPACE)
        .withRequestTimeout(requestTimeoutMillis)
        .withConnectionTimeout(requestTimeoutMillis)
        .withRequestRetryBackoffLimit(0)
        .withWatchReconnectInterval(100)
        .build();
  }

  /**
   * A direct client of the server on a front end of its own (no proxy), for the tests' own
   * looks at the store. Its threads count as the server's.
   */
  public KubernetesClient newDirectClient() {
    Frontend f = newFrontend();
    int p = f.port();
    return inServerGroup(() -> new KubernetesClientBuilder().withConfig(config(p, 5_000)).build());
  }

  /** Stops every front end without waiting for them (a test that is over need not wait). */
  @Override
  public synchronized void close() {
    running = false;
    for (Frontend f : frontends) {
      f.stopAsync();
    }
  }
}
