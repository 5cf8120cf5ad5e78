package io.github.election;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.election.spi.Observation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A reason the store repeats every round (an RBAC 403, a store that stays down) is logged at
 * INFO the first time, when it changes, and once a minute with the count held back; at DEBUG in
 * between.
 */
class RepeatedLogTest {

  private static final String FORBIDDEN = "forbidden: update leases in namespace ns for "
      + "system:serviceaccount:ns:checks";

  private final ManualTicker ticker = new ManualTicker();
  private final Engine.RepeatedLog repeated = new Engine.RepeatedLog(Duration.ofMinutes(1));

  private Logger watched;
  private ListAppender<ILoggingEvent> appender;
  private Level levelBefore;

  private ListAppender<ILoggingEvent> watch(String loggerName, Level level) {
    watched = (Logger) LoggerFactory.getLogger(loggerName);
    levelBefore = watched.getLevel();
    watched.setLevel(level);
    appender = new ListAppender<>();
    appender.start();
    watched.addAppender(appender);
    return appender;
  }

  @AfterEach
  void unwatch() {
    if (watched != null) {
      watched.detachAppender(appender);
      watched.setLevel(levelBefore);
    }
  }

  private String next(String reason) {
    return repeated.next(ticker.read(), reason);
  }

  @Test
  void aReasonIsLoggedFirstThenOncePerIntervalWithTheCountHeldBack() {
    assertThat(next(FORBIDDEN)).isEqualTo(FORBIDDEN);
    for (int round = 1; round <= 29; round++) {
      ticker.advance(Duration.ofSeconds(2));
      assertThat(next(FORBIDDEN)).as("round %d", round).isNull();
    }
    ticker.advance(Duration.ofMillis(1_999)); // 59.999 s after the INFO line
    assertThat(next(FORBIDDEN)).isNull();
    ticker.advance(Duration.ofMillis(1));
    assertThat(next(FORBIDDEN))
        .isEqualTo(FORBIDDEN + " (again; 30 more in the last 60s at debug level)");
    ticker.advance(Duration.ofSeconds(2));
    assertThat(next(FORBIDDEN)).isNull();
  }

  @Test
  void aChangedReasonIsLoggedAtOnceWithTheCountOfThePreviousOne() {
    assertThat(next("connection refused")).isEqualTo("connection refused");
    ticker.advance(Duration.ofSeconds(2));
    assertThat(next("connection refused")).isNull();
    ticker.advance(Duration.ofSeconds(2));
    assertThat(next("connection refused")).isNull();
    ticker.advance(Duration.ofSeconds(2));
    assertThat(next(FORBIDDEN))
        .isEqualTo(FORBIDDEN + " (the previous reason came 2 more times, at debug level)");
    ticker.advance(Duration.ofSeconds(2));
    assertThat(next("connection refused")).isEqualTo("connection refused");
  }

  @Test
  void aReasonAfterAnAnswerOfTheStoreIsNewsAgain() {
    assertThat(next(FORBIDDEN)).isEqualTo(FORBIDDEN);
    ticker.advance(Duration.ofSeconds(2));
    repeated.reset();
    assertThat(next(FORBIDDEN)).isEqualTo(FORBIDDEN);
  }

  @Test
  void aReasonComingBackAfterTheIntervalIsLoggedWithoutACount() {
    assertThat(next(FORBIDDEN)).isEqualTo(FORBIDDEN);
    ticker.advance(Duration.ofMinutes(5));
    assertThat(next(FORBIDDEN)).isEqualTo(FORBIDDEN);
  }

  @Test
  void reasonsAreMadePrintable() {
    assertThat(next("denied\n12:00:00.000 INFO jobs/me: FOLLOWER -> LEADER"))
        .isEqualTo("denied\\n12:00:00.000 INFO jobs/me: FOLLOWER -> LEADER");
  }

  @Test
  void repeatsGoToDebug() {
    ListAppender<ILoggingEvent> lines = watch("test.repeated-log", Level.DEBUG);
    org.slf4j.Logger log = LoggerFactory.getLogger("test.repeated-log");
    repeated.log(log, ticker.read(), "jobs/me", FORBIDDEN);
    ticker.advance(Duration.ofSeconds(2));
    repeated.log(log, ticker.read(), "jobs/me", FORBIDDEN);
    assertThat(lines.list).extracting(ILoggingEvent::getLevel)
        .containsExactly(Level.INFO, Level.DEBUG);
    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsOnly(
        "jobs/me: store cannot tell: " + FORBIDDEN);
  }

  /** The engine itself: a store that answers UNKNOWN for the same reason every round. */
  @Test
  void theEngineLogsARepeatedReasonOncePerMinute() {
    ListAppender<ILoggingEvent> lines = watch(Engine.class.getName(), Level.INFO);
    ScriptedBackend backend = new ScriptedBackend();
    LeaderElection e = LeaderElection.builder(backend).name("jobs").identity("me").ticker(ticker)
        .leaseDuration(Duration.ofSeconds(15)).renewDeadline(Duration.ofSeconds(10))
        .retryPeriod(Duration.ofMillis(20)).drainTimeout(Duration.ofSeconds(1)).build();
    try {
      e.start();
      // the next poll is made only once the answer to the previous one was applied: the ticker
      // moves between rounds, never while one is applied
      CompletableFuture<Observation> poll = backend.nextPoll();
      for (int round = 0; round < 10; round++) { // 10 rounds in 18 s of the ticker
        poll.complete(Observation.unknown(FORBIDDEN));
        poll = backend.nextPoll();
        ticker.advance(Duration.ofSeconds(2));
      }
      backend.context.observed(Observation.unknown(FORBIDDEN)); // pushed: the same reason
      ticker.advance(Duration.ofSeconds(60));
      poll.complete(Observation.unknown(FORBIDDEN));
      poll = backend.nextPoll();
      poll.complete(Observation.following("other", 3)); // the store answers
      poll = backend.nextPoll();
      poll.complete(Observation.unknown(FORBIDDEN));
      backend.nextPoll().completeExceptionally(new IllegalStateException("test over"));
    } finally {
      backend.failEveryPoll();
      e.close();
    }
    assertThat(reasons(lines)).containsExactly(
        "jobs/me: store cannot tell: " + FORBIDDEN,
        "jobs/me: store cannot tell: " + FORBIDDEN
            + " (again; 10 more in the last 80s at debug level)",
        "jobs/me: store cannot tell: " + FORBIDDEN);
  }

  private static List<String> reasons(ListAppender<ILoggingEvent> lines) {
    return lines.list.stream().filter(l -> l.getLevel() == Level.INFO)
        .map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains("store cannot tell")).collect(Collectors.toList());
  }
}
