package io.github.election.cli;

import io.github.election.ElectionBackends;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Where the store's URI comes from: {@code --backend URI}, {@code --backend-file PATH}, or the
 * environment variable {@value #ENVIRONMENT}. A URI with a password given as {@code --backend}
 * can be read by every user of the machine ({@code ps}, {@code /proc/PID/cmdline}); a file or
 * the environment (readable by the same user only) keeps it out of sight.
 *
 * <p>Every message shows the URI as {@link ElectionBackends#redact(String)} does, and never
 * shows the content of a file that does not hold a URI.
 */
final class BackendOptions {

  /** The environment variable read when neither option is given. */
  static final String ENVIRONMENT = "ELECT_BACKEND";

  /** A backend file is one short line: anything longer is not what the user meant to give. */
  private static final int MAX_FILE_BYTES = 8192;

  @Option(names = "--backend", paramLabel = "URI",
      description = {"The store, e.g. zookeeper://127.0.0.1:2181/elections. Without this "
          + "option or --backend-file: the environment variable " + ENVIRONMENT + " (not for "
          + "demo). Other users can see a command line (ps): give a URI with a password "
          + "with --backend-file or " + ENVIRONMENT + " instead."})
  String text;

  @Option(names = "--backend-file", paramLabel = "PATH",
      description = "Read the store's URI from this file: one line, the URI alone")
  Path file;

  private URI uri;

  /**
   * The URI of {@code --backend}, {@code --backend-file} or, if neither is given and {@code
   * environment} is true, of {@value #ENVIRONMENT}.
   *
   * @throws IllegalArgumentException if both options are given, a file cannot be read or holds
   *     more than one line, or the text is not a URI
   */
  Optional<URI> given(boolean environment) {
    if (uri != null) {
      return Optional.of(uri);
    }
    if (text != null && file != null) {
      throw new IllegalArgumentException("give the store once: --backend or --backend-file, "
          + "not both");
    }
    if (text != null) {
      uri = parse(text, "--backend");
    } else if (file != null) {
      uri = parse(read(file), "the URI in --backend-file " + file);
    } else if (environment) {
      String value = System.getenv(ENVIRONMENT);
      if (value != null && !value.isBlank()) { // set but empty: not given
        uri = parse(value.strip(), "the environment variable " + ENVIRONMENT);
      }
    }
    return Optional.ofNullable(uri);
  }

  /**
   * The URI of an option, or of {@value #ENVIRONMENT}.
   *
   * @throws IllegalArgumentException if none is given, or as {@link #given}
   */
  URI required() {
    return given(true).orElseThrow(() -> new IllegalArgumentException("no store given: use "
        + "--backend URI, --backend-file PATH or the environment variable " + ENVIRONMENT));
  }

  /** The URI as it may be printed. */
  String shown() {
    return ElectionBackends.redact(required());
  }

  private static URI parse(String text, String source) {
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      // e.getMessage() would repeat the text
      throw new IllegalArgumentException(source + " '" + ElectionBackends.redact(text)
          + "' is not a URI: " + e.getReason() + " at index " + e.getIndex());
    }
  }

  private static String read(Path file) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_FILE_BYTES + 1); // also a FIFO or /dev/stdin
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("--backend-file " + file + ": no such file");
    } catch (IOException e) {
      throw new IllegalArgumentException("--backend-file " + file + ": cannot read it ("
          + e.getClass().getSimpleName() + ")");
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new IllegalArgumentException("--backend-file " + file + " is longer than "
          + MAX_FILE_BYTES + " bytes; expected one line, the URI alone");
    }
    String content = new String(bytes, StandardCharsets.UTF_8).strip();
    if (content.isEmpty()) {
      throw new IllegalArgumentException("--backend-file " + file + " is empty; expected one "
          + "line, the URI alone");
    }
    if (content.indexOf('\n') >= 0 || content.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("--backend-file " + file + " has more than one line; "
          + "expected one line, the URI alone");
    }
    return content;
  }
}
