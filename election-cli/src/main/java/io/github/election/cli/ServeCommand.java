package io.github.election.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.spi.DaemonThreads;
import io.github.election.spi.ElectionBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code elect serve}: takes part and serves the election's view over HTTP, as a sidecar. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Takes part in an election and serves its view over HTTP, for use as a "
        + "sidecar:", "  GET /leader   JSON: election, identity, state, leader, term, sequence",
        "  GET /healthz 200 while the store answers, 503 while this candidate cannot tell "
            + "(state UNKNOWN)",
        "Only GET and HEAD of these two paths: another method gets 405 (Allow: GET, HEAD), "
            + "another path 404. A connection that has not sent its whole request within "
            + ServeCommand.REQUEST_SECONDS + " s is closed, so that slow or stuck clients cannot hold up "
            + "/healthz.",
        "Prints the address it serves on; runs until SIGTERM or SIGINT, then releases "
            + "leadership."},
    footer = {"", "Exit codes: 2 bad usage; 3 no answer from the store within "
        + "--connect-timeout at start."})
final class ServeCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ElectionOptions options;

  @Option(names = "--port", paramLabel = "N", defaultValue = "0",
      description = "HTTP port (default: a free one, printed at start)")
  int port;

  @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE})")
  String bind;

  /**
   * Seconds a client has to send its whole request (and to take the response), counted from the
   * moment its connection is accepted or becomes readable again; then the server closes it.
   */
  static final int REQUEST_SECONDS = 5;

  /**
   * Exchanges handled at once, each on a thread of its own: a request is read on its thread,
   * so that many clients stuck half-way (each for at most {@link #REQUEST_SECONDS}) are needed
   * before a probe waits behind them. Idle threads end after a while.
   */
  static final int HTTP_THREADS = 64;

  /** The paths served; anything else is 404. */
  static final String LEADER = "/leader";
  static final String HEALTHZ = "/healthz";

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be between 0 and 65535, got " + port);
    }
    ElectionBackend store = options.open();
    LeaderElection election = options.builder(store).build();
    limitRequestTimes();
    HttpServer http = HttpServer.create(new InetSocketAddress(bind, port), 64);
    ThreadPoolExecutor httpThreads = new ThreadPoolExecutor(HTTP_THREADS, HTTP_THREADS, 30,
        TimeUnit.SECONDS, new LinkedBlockingQueue<>(), DaemonThreads.numbered("elect-http"));
    httpThreads.allowCoreThreadTimeOut(true);
    http.setExecutor(httpThreads);
    http.createContext("/", x -> handle(x, election));
    ControlSocket control = ControlSocket.open(election, err);
    CountDownLatch stopped = new CountDownLatch(1);
    Runnable shutdown = () -> {
      control.close();
      http.stop(0);
      httpThreads.shutdownNow();
      election.close();
      store.close();
      stopped.countDown();
    };
    Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "elect-shutdown"));
    election.subscribe(e -> {
      err.println("elect: " + ElectionOptions.describe(e));
      err.flush();
    });
    election.start();
    http.start();
    out.printf("elect: serving http://%s:%d/leader and /healthz%n", bind,
        http.getAddress().getPort());
    out.flush();
    if (!options.awaitFirstAnswer(election, err)) {
      return Elect.UNREACHABLE;
    }
    stopped.await();
    return Elect.OK;
  }

  static String json(LeadershipEvent e) {
    return "{\"election\":" + quote(e.election()) + ",\"identity\":" + quote(e.identity())
        + ",\"state\":\"" + e.state() + "\",\"leader\":" + e.leader().map(ServeCommand::quote)
        .orElse("null") + ",\"term\":" + e.term() + ",\"sequence\":" + e.sequence() + "}";
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /**
   * Makes the JDK's HTTP server close a connection whose request (or response) is not complete
   * within {@link #REQUEST_SECONDS}: {@code sun.net.httpserver.maxReqTime} and {@code
   * maxRspTime}, read once when the server classes load, so before the first server is made. A
   * value given with {@code -D} is kept.
   */
  static void limitRequestTimes() {
    for (String key : List.of("sun.net.httpserver.maxReqTime",
        "sun.net.httpserver.maxRspTime")) {
      if (System.getProperty(key) == null) {
        System.setProperty(key, Integer.toString(REQUEST_SECONDS));
      }
    }
  }

  /** One exchange: exact paths only, GET and HEAD only. */
  static void handle(HttpExchange x, LeaderElection election) throws IOException {
    try {
      String path = x.getRequestURI().getRawPath();
      if (!LEADER.equals(path) && !HEALTHZ.equals(path)) {
        respond(x, 404, "{\"error\":\"not found\",\"paths\":[\"" + LEADER + "\",\""
            + HEALTHZ + "\"]}");
        return;
      }
      String method = x.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        x.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(x, 405, "{\"error\":\"method not allowed\",\"allow\":[\"GET\",\"HEAD\"]}");
        return;
      }
      LeadershipEvent e = election.current();
      if (LEADER.equals(path)) {
        respond(x, 200, json(e));
      } else if (e.state() == LeadershipState.UNKNOWN) {
        respond(x, 503, "{\"healthy\":false,\"reason\":\"the store does not answer\"}");
      } else {
        respond(x, 200, "{\"healthy\":true,\"state\":\"" + e.state() + "\"}");
      }
    } finally {
      x.close();
    }
  }

  private static void respond(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/json");
    if (x.getRequestMethod().equals("HEAD")) {
      x.sendResponseHeaders(status, -1); // headers only; the JDK sends no Content-Length then
      return;
    }
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream os = x.getResponseBody()) {
      os.write(bytes);
    }
  }
}
