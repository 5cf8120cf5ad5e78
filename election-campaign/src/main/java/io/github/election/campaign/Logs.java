package io.github.election.campaign;

import java.util.List;

/**
 * Points logback at the campaign's own configuration ({@code campaign-logback.xml}: standard
 * error, errors only but for the campaign), before any logger exists, unless the user chose
 * one: the backends' test fixtures on the class path carry {@code logback-test.xml} files that
 * logback would prefer. Also quiets the java.util.logging chatter of gRPC and of the mock API
 * server.
 */
final class Logs {

  private static final String PROPERTY = "logback.configurationFile";

  private Logs() {
  }

  /** Loggers of java.util.logging that chatter at INFO (held: JUL keeps them weakly). */
  private static final List<java.util.logging.Logger> QUIET = List.of(
      java.util.logging.Logger.getLogger("io.grpc"),
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver"));

  static void configure() {
    if (System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, "campaign-logback.xml");
    }
    QUIET.forEach(l -> l.setLevel(java.util.logging.Level.WARNING));
  }
}
