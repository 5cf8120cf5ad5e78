package io.github.election.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.spi.ElectionBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be between 0 and 65535, got " + port);
    }
    ElectionBackend store = options.open();
    LeaderElection election = options.builder(store).build();
    HttpServer http = HttpServer.create(new InetSocketAddress(bind, port), 16);
    ExecutorService httpThreads = Executors.newFixedThreadPool(2);
    http.setExecutor(httpThreads);
    http.createContext("/leader", x -> respond(x, 200, json(election.current())));
    http.createContext("/healthz", x -> {
      LeadershipEvent e = election.current();
      if (e.state() == LeadershipState.UNKNOWN) {
        respond(x, 503, "{\"healthy\":false,\"reason\":\"the store does not answer\"}");
      } else {
        respond(x, 200, "{\"healthy\":true,\"state\":\"" + e.state() + "\"}");
      }
    });
    CountDownLatch stopped = new CountDownLatch(1);
    Runnable shutdown = () -> {
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

  private static void respond(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/json");
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream os = x.getResponseBody()) {
      os.write(bytes);
    }
  }
}
