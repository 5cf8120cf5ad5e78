package io.github.election.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A deliberate load on the machine for P3's loaded rows: a JVM of its own (another process, as a
 * neighbour on a shared machine is) whose threads spin on the CPU while told {@code spin} on
 * standard input and rest (parked) while told {@code rest}; it exits when its standard input
 * closes, so it never outlives the harness. The harness turns it on and off between P3's rounds,
 * so that rounds with and without the load are interleaved.
 */
final class BusyLoad implements AutoCloseable {

  private final Process process;
  private final Writer commands;
  private final int threads;

  private BusyLoad(Process process, int threads) {
    this.process = process;
    this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.threads = threads;
  }

  /** Starts the load process with {@code threads} spinning threads, resting. */
  static BusyLoad start(int threads, Path log) {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx32m", "-cp", System.getProperty("java.class.path"),
        BusyLoad.class.getName(), Integer.toString(threads)));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
      return new BusyLoad(p, threads);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the load process", e);
    }
  }

  int threads() {
    return threads;
  }

  /** Turns the spinning on or off; waits 50 ms for the threads to be running or parked. */
  void spin(boolean on) {
    try {
      commands.write(on ? "spin\n" : "rest\n");
      commands.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("the load process is gone", e);
    }
    Background.sleep(50);
  }

  @Override
  public void close() {
    try {
      commands.close();
    } catch (IOException e) {
      // gone already
    }
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private static volatile boolean spinning;
  /** Written by the spinners, so that the loop is not optimised away. */
  static volatile long sink;

  public static void main(String[] args) throws IOException {
    int n = Integer.parseInt(args[0]);
    List<Thread> spinners = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(() -> {
        long x = 1;
        while (!Thread.currentThread().isInterrupted()) {
          if (!spinning) {
            LockSupport.park();
            continue;
          }
          for (int k = 0; k < 100_000; k++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
          }
          sink = x;
        }
      }, "busy-" + i);
      t.setDaemon(true);
      t.start();
      spinners.add(t);
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      spinning = line.trim().equals("spin");
      if (spinning) {
        spinners.forEach(LockSupport::unpark);
      }
    }
    System.exit(0);
  }
}
