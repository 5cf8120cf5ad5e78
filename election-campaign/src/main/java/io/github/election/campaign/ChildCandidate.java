package io.github.election.campaign;

import io.github.election.spi.SettingValues;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A candidate in a child JVM ({@link CandidateMain}), reaching the store through a connection of
 * its own (TCP proxies): crash is SIGKILL, pause is SIGSTOP and SIGCONT, cut and heal act on its
 * connection,
 * resign, expire and close are commands on its standard input. Its standard output goes into
 * the history as it comes; its standard error into a log file.
 */
final class ChildCandidate implements Candidate {

  private static final Logger log = LoggerFactory.getLogger(ChildCandidate.class);
  /** JVM options that start a small candidate fast on a small machine. */
  private static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx128m", "-XX:-UsePerfData",
      "-Delection.log=INFO");

  private final String who;
  private final StoreHarness.Connection link;
  private final History history;
  private final Process process;
  private final OutputStream stdin;
  private final Map<String, CompletableFuture<String>> acks = new ConcurrentHashMap<>();
  private final AtomicBoolean exited = new AtomicBoolean();
  private volatile String endHow = "died"; // how an exit that comes now is recorded

  /**
   * Starts the child.
   *
   * @param uri the backend URI, through the connection
   * @param extra further {@code --name value} arguments of {@link CandidateMain}
   * @param env environment variables for the child besides this process's
   * @param link the child's connection to the store; closed when the child ends
   * @param logFile where the child's standard error goes
   */
  ChildCandidate(String who, String identity, String election, String uri, Timings timings,
      List<String> extra, Map<String, String> env, StoreHarness.Connection link, History history,
      Path logFile) {
    this.who = who;
    this.link = link;
    this.history = history;
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_OPTIONS);
    cmd.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(CandidateMain.class.getName());
    cmd.addAll(List.of("--who", who, "--identity", identity, "--election", election,
        "--uri", uri,
        "--lease", SettingValues.format(timings.leaseDuration()),
        "--renew", SettingValues.format(timings.renewDeadline()),
        "--retry", SettingValues.format(timings.retryPeriod())));
    cmd.addAll(extra);
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.environment().putAll(env);
    history.add(Entry.at(System.nanoTime(), who, "spawn").put("identity", identity).build());
    try {
      process = pb.start();
    } catch (IOException e) {
      link.close();
      history.add(Entry.at(System.nanoTime(), who, "exit").put("how", "not started").build());
      throw new UncheckedIOException("cannot start a candidate JVM: " + cmd, e);
    }
    stdin = process.getOutputStream();
    Thread reader = new Thread(this::read, "campaign-read-" + who);
    reader.setDaemon(true);
    reader.start();
    process.onExit().thenRun(this::exited);
  }

  @Override
  public String who() {
    return who;
  }

  /** The child's process id. */
  long pid() {
    return process.pid();
  }

  private void read() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        Entry e;
        try {
          e = Entry.of(Json.read(line));
        } catch (IllegalArgumentException ex) {
          log.warn("{}: not a history line: {}", who, line);
          continue;
        }
        history.add(e);
        if (e.is("ack")) {
          CompletableFuture<String> f = acks.remove(e.str("cmd"));
          if (f != null) {
            f.complete(e.str("result"));
          }
        }
      }
    } catch (IOException e) {
      log.debug("{}: output ended: {}", who, e.toString());
    }
  }

  private void exited() {
    if (exited.compareAndSet(false, true)) {
      history.add(Entry.at(System.nanoTime(), who, "exit").put("how", endHow)
          .put("code", process.exitValue()).build());
      link.close();
      acks.values().forEach(f -> f.complete("exited"));
      if (endHow.equals("died")) {
        log.warn("{}: candidate process ended by itself with code {}", who, process.exitValue());
      }
    }
  }

  @Override
  public void kill() {
    endHow = "killed";
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (exited.compareAndSet(false, true)) {
      history.add(Entry.at(System.nanoTime(), who, "exit").put("how", "killed").build());
      link.close();
    }
  }

  @Override
  public void pause() {
    signal("STOP");
  }

  @Override
  public void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
          .redirectErrorStream(true).start();
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill -" + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling " + who, e);
    }
  }

  @Override
  public void cut() {
    link.cut();
  }

  @Override
  public void heal() {
    link.heal();
  }

  @Override
  public void expire() {
    command("expire", 15);
  }

  @Override
  public void resign() {
    command("resign", 30);
  }

  @Override
  public void resign(String successor) {
    command("resign-to " + successor, 30);
  }

  @Override
  public void close() {
    endHow = "closed";
    if (process.isAlive()) {
      try {
        command("close", 30);
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (RuntimeException e) {
        log.warn("{}: close failed: {}", who, e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (process.isAlive()) {
      log.warn("{}: did not end after close; killing it", who);
      kill();
    }
  }

  /** Sends a command and waits for its ack. */
  private String command(String cmd, int timeoutSeconds) {
    CompletableFuture<String> ack = new CompletableFuture<>();
    acks.put(cmd, ack);
    try {
      stdin.write((cmd + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
      String result = ack.get(timeoutSeconds, TimeUnit.SECONDS);
      if (!"ok".equals(result)) {
        throw new IllegalStateException(who + ": " + cmd + " answered " + result);
      }
      return result;
    } catch (IOException e) {
      acks.remove(cmd);
      throw new UncheckedIOException(who + ": cannot send " + cmd, e);
    } catch (TimeoutException e) {
      acks.remove(cmd);
      throw new IllegalStateException(who + ": no answer to " + cmd + " within "
          + timeoutSeconds + " s");
    } catch (ExecutionException e) {
      throw new IllegalStateException(who + ": " + cmd + " failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + who, e);
    }
  }

  /** Ends the child whatever its state (after a failed campaign): resumes it, then kills it. */
  void destroy() {
    if (process.isAlive()) {
      try {
        resume();
      } catch (RuntimeException e) {
        // gone already
      }
      kill();
    }
  }

  @Override
  public String toString() {
    return who + " (pid " + process.pid() + ")";
  }
}
