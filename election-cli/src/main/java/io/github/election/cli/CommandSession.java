package io.github.election.cli;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A command run in a session of its own (Linux), so that every process it starts can be found
 * and stopped, even by a watchdog after this JVM was killed with SIGKILL.
 *
 * <p>How: the command is started as {@code setsid sh -c WRAPPER ...}. {@code setsid} makes a
 * new session whose id is the pid of the process; the wrapper {@code exec}s the command, so the
 * command keeps that pid (the session id, which is also its process group), its exit code
 * reaches this JVM as usual, and its signal dispositions are the defaults. The processes it
 * starts stay in the session unless they call {@code setsid} themselves (a daemon that does
 * escapes, as it would escape a process group; only a cgroup would hold it).
 *
 * <p>The watchdog is a second process ({@code setsid sh -c WATCHDOG}, in a session of its own
 * so that the command cannot signal it by group, ignoring SIGHUP, SIGINT and SIGTERM) whose
 * standard input is a pipe from this JVM, the lifeline; this JVM is the only holder of its
 * write end. The order of the start makes sure that no command runs unwatched: the watchdog
 * starts; the wrapper starts and waits for a line on its own standard input; this JVM writes
 * the session id to the watchdog and only then {@code go} to the wrapper, which then runs the
 * command (with this JVM's standard input, reopened through {@code /proc/PID/fd/0}, or
 * {@code /dev/null} where that fails, as for a socket). When the lifeline ends (this JVM closed
 * it, or died: the kernel closes the descriptors of a killed process), the watchdog sends
 * SIGKILL to every process of the session, found by scanning {@code /proc/PID/stat}, until
 * none is left, and exits; if this JVM died before the {@code go}, the wrapper exits without
 * running the command.
 *
 * <p>A JVM that is alive stops the session itself ({@link #stop}: SIGTERM to every process of
 * the session, the grace, SIGKILL), also when the command ended by itself and left processes
 * behind, and then closes the lifeline.
 *
 * <p>Needs {@code setsid} (util-linux or busybox) and {@code /bin/sh}; {@link #setsid()} finds
 * the first. Not thread-safe: one thread starts, waits for and stops a session.
 */
final class CommandSession {

  /** Arguments: ELECT_PID COMMAND...; standard input: a pipe that says go. */
  static final String WRAPPER = String.join("\n",
      "elect=$1",
      "shift",
      "read -r go || exit 125",
      "[ \"$go\" = go ] || exit 125",
      "if (: </proc/\"$elect\"/fd/0) 2>/dev/null; then exec </proc/\"$elect\"/fd/0;"
          + " else exec </dev/null; fi",
      "exec \"$@\"");

  /**
   * Standard input: the lifeline, whose first line is the session to guard. Kills every process
   * of that session when the lifeline ends.
   */
  static final String WATCHDOG = String.join("\n",
      "trap '' HUP INT TERM",
      "read -r sid || exit 0",
      "case $sid in ''|*[!0-9]*) exit 0;; esac",
      "while read -r _; do :; done",
      "pass=0",
      "while [ \"$pass\" -lt 100 ]; do",
      "  found=",
      "  for f in /proc/[0-9]*/stat; do",
      "    { read -r line < \"$f\"; } 2>/dev/null || continue",
      "    set -- ${line##*) }",
      "    if [ \"$4\" = \"$sid\" ] && [ \"$1\" != Z ] && [ \"$1\" != X ]; then",
      "      kill -9 \"${line%% *}\" 2>/dev/null && found=1",
      "    fi",
      "  done",
      "  [ -z \"$found\" ] && break",
      "  pass=$((pass + 1))",
      "done");

  private final Process process;
  private final Process watchdog;
  /** The command, known by its start time too: its pid may be reused once it ended. */
  private final Optional<Member> command;

  private CommandSession(Process process, Process watchdog) {
    this.process = process;
    this.watchdog = watchdog;
    this.command = Member.of(process.pid());
  }

  /** The {@code setsid} command on the PATH, if there is one. */
  static Optional<Path> setsid() {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "setsid");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Starts a command in a session of its own, under a watchdog; its output and errors are
   * those of this process.
   *
   * @param environment added to this process's environment; null values remove a variable
   */
  static CommandSession start(Path setsid, List<String> command, Map<String, String> environment)
      throws IOException {
    Process watchdog = new ProcessBuilder(setsid.toString(), "/bin/sh", "-c", WATCHDOG,
        "elect-watchdog").redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    List<String> argv = new ArrayList<>(List.of(setsid.toString(), "/bin/sh", "-c", WRAPPER,
        "elect-run", Long.toString(ProcessHandle.current().pid())));
    argv.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(argv)
        .redirectOutput(ProcessBuilder.Redirect.INHERIT)
        .redirectError(ProcessBuilder.Redirect.INHERIT); // standard input: the go
    environment.forEach((k, v) -> {
      if (v == null) {
        pb.environment().remove(k);
      } else {
        pb.environment().put(k, v);
      }
    });
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      watchdog.destroyForcibly();
      throw e;
    }
    try {
      OutputStream lifeline = watchdog.getOutputStream();
      lifeline.write((process.pid() + "\n").getBytes(StandardCharsets.US_ASCII));
      lifeline.flush();
      try (OutputStream go = process.getOutputStream()) {
        go.write("go\n".getBytes(StandardCharsets.US_ASCII));
      }
    } catch (IOException e) {
      // the watchdog or the wrapper died at once: run nothing unwatched
      process.destroyForcibly();
      watchdog.destroyForcibly();
      throw new IOException("cannot start the command under its watchdog: " + e.getMessage(), e);
    }
    return new CommandSession(process, watchdog);
  }

  /** The command's pid, which is also the id of its session and process group. */
  long id() {
    return process.pid();
  }

  /** Waits for the command itself to end and returns its exit code. */
  int waitFor() throws InterruptedException {
    return process.waitFor();
  }

  /**
   * Stops every process of the session: SIGTERM, then SIGKILL to whatever still runs after
   * {@code grace}, then waits up to {@code killWait} for them to be gone, and lets the watchdog
   * go. Returns at once when nothing runs. An interrupt does not cut it short; the thread's
   * interrupt status is set again when it returns.
   *
   * @return the processes still running after all that (normally none)
   */
  List<Member> stop(Duration grace, Duration killWait, Runnable beforeKill) {
    boolean interrupted = false;
    try {
      Map<Long, Member> all = new LinkedHashMap<>();
      process.destroy(); // nothing if it ended: this JVM knows its own child
      running(all).forEach(Member::terminate);
      interrupted |= awaitGone(all, grace);
      if (process.isAlive() || !running(all).isEmpty()) {
        beforeKill.run();
        process.destroyForcibly();
        running(all).forEach(Member::kill);
        interrupted |= awaitGone(all, killWait);
      }
      return running(all);
    } finally {
      releaseWatchdog();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Closes the lifeline: the watchdog kills whatever is left in the session and ends; waits
   * (up to a second) for it to end.
   */
  void releaseWatchdog() {
    try {
      watchdog.getOutputStream().close();
    } catch (IOException e) {
      // the watchdog is gone already
    }
    try {
      if (!watchdog.waitFor(1, TimeUnit.SECONDS)) {
        watchdog.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The processes of the session that run, added to those seen before (the command, its
   * descendants also if they left the session, every process of the session), refreshed.
   */
  private List<Member> running(Map<Long, Member> seen) {
    command.ifPresent(m -> seen.putIfAbsent(m.pid(), m));
    if (process.isAlive()) { // else its pid, and so its children, may be another's
      process.descendants().forEach(h -> Member.of(h.pid())
          .ifPresent(m -> seen.putIfAbsent(m.pid(), m)));
    }
    members(id()).forEach(m -> seen.putIfAbsent(m.pid(), m));
    List<Member> running = new ArrayList<>();
    for (Member m : seen.values()) {
      if (m.running()) {
        running.add(m);
      }
    }
    return running;
  }

  /** @return whether it was interrupted */
  private boolean awaitGone(Map<Long, Member> seen, Duration atMost) {
    boolean interrupted = false;
    long end = System.nanoTime() + atMost.toNanos();
    while ((process.isAlive() || !running(seen).isEmpty()) && System.nanoTime() - end < 0) {
      try {
        // the command is our child: its end wakes this at once; the others are polled
        process.waitFor(Math.min(20, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()) + 1),
            TimeUnit.MILLISECONDS);
        if (!process.isAlive()) {
          Thread.sleep(5);
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    return interrupted;
  }

  /** The running processes of a session, read from {@code /proc}; empty where there is none. */
  static List<Member> members(long session) {
    List<Member> members = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path dir : dirs) {
        Optional<Stat> stat = Stat.read(Long.parseLong(dir.getFileName().toString()));
        if (stat.isPresent() && stat.get().session == session && stat.get().running()) {
          members.add(new Member(stat.get().pid, stat.get().startTime));
        }
      }
    } catch (IOException | RuntimeException e) {
      // no /proc: only the command and its descendants are known
    }
    return members;
  }

  /** A process of the session, known by pid and start time, so that a reused pid is not it. */
  record Member(long pid, long startTime) {

    static Optional<Member> of(long pid) {
      return Stat.read(pid).filter(Stat::running).map(s -> new Member(s.pid, s.startTime));
    }

    /** Not ended: also false for a zombie, which no signal reaches any more. */
    boolean running() {
      return Stat.read(pid).filter(s -> s.startTime == startTime && s.running()).isPresent();
    }

    void terminate() {
      if (running()) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
      }
    }

    void kill() {
      if (running()) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  /** The fields of {@code /proc/PID/stat} this class needs. */
  record Stat(long pid, char state, long session, long startTime) {

    static Optional<Stat> read(long pid) {
      String line;
      try {
        line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      } catch (IOException | RuntimeException gone) {
        return Optional.empty();
      }
      // pid (comm) state ppid pgrp session ... starttime is field 22; comm may hold ") "
      int close = line.lastIndexOf(')');
      if (close < 0) {
        return Optional.empty();
      }
      String[] f = line.substring(close + 2).trim().split(" ");
      if (f.length < 20) {
        return Optional.empty();
      }
      return Optional.of(new Stat(pid, f[0].charAt(0), Long.parseLong(f[3]),
          Long.parseLong(f[19])));
    }

    boolean running() {
      return state != 'Z' && state != 'X' && state != 'x';
    }
  }
}
