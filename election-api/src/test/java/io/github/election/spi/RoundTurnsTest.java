package io.github.election.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RoundTurnsTest {

  private final ExecutorService starter = Executors.newSingleThreadExecutor();
  private final RoundTurns turns = new RoundTurns(3, starter);
  private final List<String> started = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    starter.shutdownNow();
  }

  /** A round that records its start and answers when the test says. */
  private CompletableFuture<String> round(String name, CompletableFuture<String> answer) {
    return turns.run(() -> {
      started.add(name);
      return answer;
    });
  }

  @Test
  @DisplayName("at most atOnce rounds run; one given up while it waits never starts; one that never gets an answer holds its turn until it is given up")
  void turns() {
    List<CompletableFuture<String>> running = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      running.add(round("r" + i, new CompletableFuture<>())); // no answer ever
    }
    CompletableFuture<String> nextAnswer = new CompletableFuture<>();
    CompletableFuture<String> next = round("next", nextAnswer);
    CompletableFuture<String> givenUp = round("given up", CompletableFuture.completedFuture("x"));
    CompletableFuture<String> last = round("last", CompletableFuture.completedFuture("answer"));
    givenUp.cancel(false);
    assertThat(started).containsExactly("r0", "r1", "r2");

    running.get(0).cancel(false); // its poll timed out: the turn passes on
    Awaitility.await("the next round starts").atMost(Duration.ofSeconds(5))
        .until(() -> started.contains("next"));
    assertThat(last).isNotDone();
    nextAnswer.complete("answer");
    assertThat(next).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("answer");
    // next's turn went to the round given up, which did not start, then to the last one
    assertThat(last).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("answer");
    assertThat(started).containsExactly("r0", "r1", "r2", "next", "last");
  }

  @Test
  @DisplayName("giving up a round under way cancels the backend's own stage; a failure and a throw end the turn too")
  void cancelAndFailure() {
    CompletableFuture<String> own = new CompletableFuture<>();
    CompletableFuture<String> r = round("own", own);
    r.cancel(false);
    assertThat(own).isCancelled();
    CompletableFuture<String> failed = round("failed",
        CompletableFuture.failedFuture(new IllegalStateException("refused")));
    assertThat(failed).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
        .withMessageContaining("refused");
    CompletableFuture<String> thrown = turns.run(() -> {
      throw new IllegalStateException("thrown");
    });
    assertThat(thrown).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
        .withMessageContaining("thrown");
    // every turn came back: three rounds start at once again
    for (int i = 0; i < 3; i++) {
      round("again" + i, new CompletableFuture<>());
    }
    assertThat(started).containsExactly("own", "failed", "again0", "again1", "again2");
  }

  @Test
  @DisplayName("atOnce below 1 is refused, naming the setting and the value")
  void badSetting() {
    assertThatThrownBy(() -> new RoundTurns(0, starter))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("atOnce")
        .hasMessageContaining("0");
  }
}
