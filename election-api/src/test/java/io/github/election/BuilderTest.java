package io.github.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.election.spi.ElectionSettings;
import io.github.election.spi.Observation;
import io.github.election.spi.SettingValues;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BuilderTest {

  private final ScriptedBackend backend = new ScriptedBackend();

  @Test
  void defaultsFollowKubernetesComponents() {
    try (LeaderElection e = LeaderElection.builder(backend).name("jobs").build()) {
      assertThat(e.name()).isEqualTo("jobs");
      assertThat(e.identity()).isNotBlank();
      assertThat(e.state()).isEqualTo(LeadershipState.UNKNOWN);
      assertThat(e.leader()).isEmpty();
      assertThat(e.term()).isEqualTo(LeadershipEvent.NO_TERM);
    }
    assertThat(LeaderElection.Builder.DEFAULT_LEASE_DURATION).isEqualTo(Duration.ofSeconds(15));
    assertThat(LeaderElection.Builder.DEFAULT_RENEW_DEADLINE).isEqualTo(Duration.ofSeconds(10));
    assertThat(LeaderElection.Builder.DEFAULT_RETRY_PERIOD).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void renewDeadlineMustBeShorterThanLeaseDuration() {
    assertThatThrownBy(() -> LeaderElection.builder(backend).name("jobs")
        .renewDeadline(Duration.ofSeconds(15)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("renewDeadline (15s) must be shorter than leaseDuration (15s)");
  }

  @Test
  void retryPeriodMustBeShorterThanRenewDeadline() {
    assertThatThrownBy(() -> LeaderElection.builder(backend).name("jobs")
        .retryPeriod(Duration.ofMillis(10_500)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retryPeriod (10.5s) must be shorter than renewDeadline (10s)");
  }

  @Test
  void durationsMustBePositive() {
    LeaderElection.Builder b = LeaderElection.builder(backend);
    assertThatThrownBy(() -> b.leaseDuration(Duration.ZERO))
        .hasMessage("leaseDuration must be positive, got 0s");
    assertThatThrownBy(() -> b.renewDeadline(Duration.ofMillis(-250)))
        .hasMessage("renewDeadline must be positive, got -250ms");
    assertThatThrownBy(() -> b.retryPeriod(Duration.ofNanos(-1)))
        .hasMessage("retryPeriod must be positive, got -1ns");
    assertThatThrownBy(() -> b.drainTimeout(Duration.ofSeconds(-1)))
        .hasMessage("drainTimeout must not be negative, got -1s");
    assertThatThrownBy(() -> b.handoverTimeout(Duration.ZERO))
        .hasMessage("handoverTimeout must be positive, got 0s");
    assertThatThrownBy(() -> b.leaseDuration(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("leaseDuration");
  }

  @Test
  void namesMustNotBeBlank() {
    LeaderElection.Builder b = LeaderElection.builder(backend);
    assertThatThrownBy(() -> b.name("  ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank, got '  '");
    assertThatThrownBy(() -> b.identity("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("identity must not be blank, got ''");
    assertThatThrownBy(() -> b.identity(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("identity");
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("name is required");
    assertThatThrownBy(() -> LeaderElection.builder(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("backend");
  }

  @Test
  void namesAndIdentitiesAreLimitedInLength() {
    LeaderElection.Builder b = LeaderElection.builder(backend);
    String longest = "n".repeat(ElectionSettings.MAX_NAME_LENGTH);
    try (LeaderElection e = b.name(longest).identity("i".repeat(1024)).build()) {
      assertThat(e.name()).isEqualTo(longest);
    }
    // a 1.1 MB name once dropped a shared ZooKeeper connection: refused here, shown by a prefix
    String huge = "z".repeat(1_100_000);
    assertThatThrownBy(() -> b.name(huge)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name '" + "z".repeat(64) + "...' (1100000 characters) is too long: "
            + "1100000 characters, at most 253")
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    assertThatThrownBy(() -> b.identity("i".repeat(1025)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("is too long: 1025 characters, at most 1024");
  }

  @Test
  void identitiesThatWouldForgeLogLinesAreRefused() {
    LeaderElection.Builder b = LeaderElection.builder(backend).name("jobs");
    assertThatThrownBy(() -> b.identity("pod-0\n10:00:00.000 INFO jobs/pod-1: FOLLOWER -> LEADER"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("identity 'pod-0\\n10:00:00.000 INFO")
        .hasMessageEndingWith("found U+000A at index 5");
    assertThatThrownBy(() -> b.identity("pod\r")).hasMessageContaining("U+000D");
    assertThatThrownBy(() -> b.identity("pod\u001b[1A")).hasMessageContaining("U+001B");
    assertThatThrownBy(() -> b.identity("pod-\u202e1")).hasMessageContaining("U+202E");
    assertThatThrownBy(() -> b.name("jobs\n")).hasMessageStartingWith("name 'jobs\\n'");
    try (LeaderElection e = b.identity("pod-0 (eu-west-1a)").build()) {
      assertThat(e.identity()).isEqualTo("pod-0 (eu-west-1a)");
    }
  }

  @Test
  void durationsAreLimitedToOneDayWithoutOverflowing() {
    LeaderElection.Builder b = LeaderElection.builder(backend).name("jobs");
    Duration huge = Duration.ofSeconds(Long.MAX_VALUE); // toNanos() would throw ArithmeticException
    assertThatThrownBy(() -> b.leaseDuration(huge)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("leaseDuration must be at most 86400s (1 day), got PT");
    assertThatThrownBy(() -> b.renewDeadline(Duration.ofDays(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("renewDeadline must be at most 86400s (1 day), got 172800s");
    assertThatThrownBy(() -> b.retryPeriod(huge)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("retryPeriod");
    assertThatThrownBy(() -> b.drainTimeout(huge)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("drainTimeout must be at most 86400s (1 day), got PT");
    LeaderElection e = b.leaseDuration(Duration.ofDays(1)).renewDeadline(Duration.ofHours(20))
        .retryPeriod(Duration.ofHours(1)).drainTimeout(Duration.ofDays(1)).build();
    try {
      e.start();
      backend.answer(Observation.leading(1));
      assertThat(e.await(LeadershipEvent::isLeader, Duration.ofSeconds(5))).isTrue();
    } catch (InterruptedException interrupted) {
      throw new AssertionError(interrupted);
    } finally {
      backend.failEveryPoll(); // else close() waits up to R (20 h) for the next poll's answer
      e.close();
    }
  }

  @Test
  void nullCallbacksAreRefused() {
    LeaderElection.Builder b = LeaderElection.builder(backend).name("jobs");
    assertThatThrownBy(() -> b.whileLeader(null)).hasMessage("whileLeader");
    assertThatThrownBy(() -> b.ticker(null)).hasMessage("ticker");
    assertThatThrownBy(() -> b.notificationExecutor(null)).hasMessage("notificationExecutor");
    try (LeaderElection e = b.build()) {
      assertThatThrownBy(() -> e.subscribe(null)).isInstanceOf(NullPointerException.class)
          .hasMessage("listener");
    }
  }

  @Test
  void theBackendMayRefuseSettings() {
    ScriptedBackend picky = new ScriptedBackend() {
      @Override
      public void validate(ElectionSettings settings) {
        throw new IllegalArgumentException("name '" + settings.name() + "' is not a valid key");
      }
    };
    assertThatThrownBy(() -> LeaderElection.builder(picky).name("a/b").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("name 'a/b' is not a valid key");
  }

  @Test
  void durationsAreFormattedForPeople() {
    assertThat(SettingValues.format(Duration.ofSeconds(15))).isEqualTo("15s");
    assertThat(SettingValues.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
    assertThat(SettingValues.format(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(SettingValues.format(Duration.ofNanos(1500))).isEqualTo("1500ns");
    assertThat(SettingValues.format(Duration.ofNanos(2000))).isEqualTo("2us");
    assertThat(SettingValues.format(Duration.ZERO)).isEqualTo("0s");
  }

  @Test
  void aSuccessorMustBeAnotherCandidatesIdentity() {
    try (LeaderElection e = LeaderElection.builder(backend).name("jobs").identity("a").build()) {
      assertThatThrownBy(() -> e.resign("a")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("successor 'a' is this candidate itself");
      assertThatThrownBy(() -> e.resign(" ")).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("successor must not be blank, got ' '");
      assertThatThrownBy(() -> e.resign("b\nforged")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("successor 'b\\nforged' must not contain control");
      assertThatThrownBy(() -> e.resign("b")).as("not started")
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void anObserverIsBuiltWithTheSameChecks() {
    assertThatThrownBy(() -> LeaderObserver.builder(backend).build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("name is required");
    assertThatThrownBy(() -> LeaderObserver.builder(backend).name("jobs")
        .retryPeriod(Duration.ofSeconds(10)).build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retryPeriod (10s) must be shorter than renewDeadline (10s)");
    try (LeaderObserver o = LeaderObserver.builder(backend).name("jobs").build()) {
      assertThat(o.current().identity()).startsWith("observer-");
      assertThat(o.current().state()).isEqualTo(LeadershipState.UNKNOWN);
      assertThat(o.leader()).isEmpty();
    }
  }
}
