package io.github.election.cli;

import io.github.election.LeaderElection;
import io.github.election.spi.DaemonThreads;
import io.github.election.spi.SettingValues;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * How {@code elect resign} reaches a running {@code elect run} or {@code elect serve}: a Unix
 * domain socket {@code <pid>.sock} in a directory that only the user may enter ({@link
 * #directory()}: {@code $XDG_RUNTIME_DIR/elect}, else {@code /tmp/elect-<user>}, mode 700).
 * A client sends one line, {@code resign ELECTION} or {@code resign ELECTION SUCCESSOR}, and
 * gets one line back: {@code ok}, {@code other-election} or {@code error MESSAGE}. Nothing is
 * reachable from the network, and only processes of the same user (or root) can connect.
 */
final class ControlSocket implements AutoCloseable {

  /** The longest line a client may send (a command, a name and an identity). */
  private static final int MAX_LINE = 2048;

  private final Path path;
  private final ServerSocketChannel server;
  private final ExecutorService acceptor;

  private ControlSocket(Path path, ServerSocketChannel server, ExecutorService acceptor) {
    this.path = path;
    this.server = server;
    this.acceptor = acceptor;
  }

  /**
   * The directory of the sockets of this user's {@code elect} processes (the system property
   * {@code elect.control.dir} overrides it, for tests).
   */
  static Path directory() {
    String given = System.getProperty("elect.control.dir");
    if (given != null) {
      return Path.of(given);
    }
    String runtime = System.getenv("XDG_RUNTIME_DIR");
    return runtime != null && !runtime.isBlank() ? Path.of(runtime, "elect")
        : Path.of(System.getProperty("java.io.tmpdir"), "elect-" + System.getProperty("user.name"));
  }

  /**
   * Opens this process's socket for {@code election}; its requests run on a daemon thread. When
   * it cannot be opened, says so on {@code err} and returns a socket that does nothing: the
   * election runs all the same, without {@code elect resign}.
   */
  static ControlSocket open(LeaderElection election, java.io.PrintWriter err) {
    try {
      return open(election);
    } catch (IOException | RuntimeException e) {
      err.println("elect: no control socket in " + directory() + " (elect resign cannot reach "
          + "this process): " + e);
      err.flush();
      return new ControlSocket(null, null, null);
    }
  }

  private static ControlSocket open(LeaderElection election) throws IOException {
    Path dir = directory();
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    Path path = dir.resolve(ProcessHandle.current().pid() + ".sock");
    Files.deleteIfExists(path); // left by a process of the same pid that was killed
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    ExecutorService acceptor = Executors.newSingleThreadExecutor(
        DaemonThreads.named("elect-control"));
    ControlSocket socket = new ControlSocket(path, server, acceptor);
    acceptor.execute(() -> socket.serve(election));
    return socket;
  }

  private void serve(LeaderElection election) {
    while (server.isOpen()) {
      try (SocketChannel client = server.accept()) {
        String line = readLine(client);
        write(client, answer(election, line));
      } catch (IOException e) {
        if (!server.isOpen()) {
          return;
        }
      }
    }
  }

  private static String answer(LeaderElection election, String line) {
    String[] parts = line == null ? new String[0] : line.split(" ", 3);
    if (parts.length < 2 || !parts[0].equals("resign")) {
      return "error expected 'resign ELECTION [SUCCESSOR]'";
    }
    if (!parts[1].equals(election.name())) {
      return "other-election";
    }
    try {
      boolean leading = election.isLeader();
      if (parts.length == 3) {
        election.resign(parts[2]);
      } else {
        election.resign();
      }
      return leading ? "ok" : "ok not-leading";
    } catch (RuntimeException e) {
      return "error " + SettingValues.printable(e.getMessage());
    }
  }

  /**
   * Sends {@code resign ELECTION [SUCCESSOR]} to every socket of the directory; returns one
   * line per process that runs the election: its pid and its answer.
   */
  static List<String> resign(String election, String successor) throws IOException {
    List<String> answers = new ArrayList<>();
    Path dir = directory();
    if (!Files.isDirectory(dir)) {
      return answers;
    }
    List<Path> sockets;
    try (var listing = Files.list(dir)) {
      sockets = listing.filter(p -> p.getFileName().toString().endsWith(".sock")).toList();
    }
    for (Path p : sockets) {
      try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(p))) {
        write(channel, "resign " + election + (successor == null ? "" : " " + successor));
        String answer = readLine(channel);
        if (answer != null && !answer.equals("other-election")) {
          String name = p.getFileName().toString();
          answers.add(name.substring(0, name.length() - ".sock".length()) + " " + answer);
        }
      } catch (IOException gone) {
        // a process that ended without removing its socket
      }
    }
    return answers;
  }

  private static String readLine(SocketChannel channel) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(MAX_LINE);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        break;
      }
      int n = buffer.position();
      if (n > 0 && buffer.get(n - 1) == '\n') {
        break;
      }
    }
    buffer.flip();
    String text = StandardCharsets.UTF_8.decode(buffer).toString();
    int end = text.indexOf('\n');
    return end < 0 ? (text.isEmpty() ? null : text) : text.substring(0, end);
  }

  private static void write(SocketChannel channel, String line) throws IOException {
    ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
    while (out.hasRemaining()) {
      channel.write(out);
    }
  }

  /** Closes the socket and removes its file. */
  @Override
  public void close() {
    if (server == null) {
      return;
    }
    try {
      server.close();
    } catch (IOException e) {
      // closing
    }
    acceptor.shutdownNow();
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // left behind: a later process of the same pid replaces it
    }
  }
}
