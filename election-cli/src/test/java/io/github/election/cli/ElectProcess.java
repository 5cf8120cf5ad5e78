package io.github.election.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The built {@code elect.jar} run as a child process, its output in files. */
final class ElectProcess implements AutoCloseable {

  final Process process;
  final Path out;
  final Path err;

  private ElectProcess(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  static ElectProcess start(Path workDir, String... args) {
    return start(workDir, Map.of(), args);
  }

  /** Starts elect with variables added to its environment. */
  static ElectProcess start(Path workDir, Map<String, String> environment, String... args) {
    String jar = System.getProperty("elect.jar");
    if (jar == null || !new File(jar).isFile()) {
      throw new IllegalStateException("elect.jar not built: run these tests with 'mvn verify' "
          + "(they run after the package phase); elect.jar=" + jar);
    }
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar));
    cmd.addAll(List.of(args));
    try {
      Files.createDirectories(workDir);
      Path out = Files.createTempFile(workDir, "elect-", ".out");
      Path err = Files.createTempFile(workDir, "elect-", ".err");
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().putAll(environment);
      Process p = pb.start();
      return new ElectProcess(p, out, err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String out() {
    return read(out);
  }

  String err() {
    return read(err);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int waitFor(long seconds) {
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        throw new AssertionError("elect did not end within " + seconds + "s; out:\n" + out()
            + "\nerr:\n" + err());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** SIGTERM. */
  void terminate() {
    process.destroy();
  }

  /** SIGKILL: elect gets no chance to clean up. */
  void kill() {
    process.destroyForcibly();
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  @Override
  public String toString() {
    return "elect pid " + process.pid() + "\nout:\n" + out() + "\nerr:\n" + err();
  }
}
