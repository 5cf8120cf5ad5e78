package io.github.election.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.election.LeaderElection;
import io.github.election.LeadershipState;
import io.github.election.memory.InMemoryElectionStore;
import io.github.election.micrometer.LeaderElectionMetrics;
import io.github.election.spi.ElectionBackend;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.leader.event.AbstractLeaderEvent;
import org.springframework.integration.leader.event.OnGrantedEvent;
import org.springframework.integration.leader.event.OnRevokedEvent;
import org.springframework.integration.leader.event.LeaderEventPublisher;

/** Every condition and refusal of the auto-configuration, on the in-memory store. */
class ElectionAutoConfigurationTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final String store = "autoconfig-" + UUID.randomUUID();

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ElectionAutoConfiguration.class))
        .withPropertyValues("election.backend=memory://" + store, "election.lease-duration=1s",
            "election.renew-deadline=750ms", "election.retry-period=100ms");
  }

  @Test
  void oneElectionFromPropertiesLeadsAndIsClosedWithTheContext() {
    LeaderElection[] kept = new LeaderElection[1];
    runner().withPropertyValues("election.name=jobs", "election.identity=a").run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(ElectionBackend.class)
          .hasSingleBean(Elections.class).hasSingleBean(LeaderElection.class);
      LeaderElection e = context.getBean(LeaderElection.class);
      assertThat(e.name()).isEqualTo("jobs");
      assertThat(e.identity()).isEqualTo("a");
      await().atMost(WAIT).until(e::isLeader);
      kept[0] = e;
    });
    assertThat(kept[0].state()).isEqualTo(LeadershipState.UNKNOWN);
    assertThatThrownBy(kept[0]::resign).hasMessageContaining("CLOSED");
    assertThat(InMemoryElectionStore.named(store).leaderOf("jobs")).as("released").isEmpty();
  }

  @Test
  void theIdentityDefaultsToTheLibrarysDefault() {
    runner().withPropertyValues("election.name=jobs").run(context -> {
      String host = LeaderElection.defaultIdentity().replaceAll("-[0-9a-f]+$", "");
      assertThat(context.getBean(LeaderElection.class).identity()).startsWith(host + "-");
    });
  }

  @Test
  void disabledMeansNoBeans() {
    runner().withPropertyValues("election.enabled=false", "election.name=jobs").run(context ->
        assertThat(context).hasNotFailed().doesNotHaveBean(ElectionBackend.class)
            .doesNotHaveBean(Elections.class).doesNotHaveBean(LeaderElection.class));
  }

  @Test
  void severalElectionsInheritTheCommonSettings() {
    runner().withPropertyValues("election.identity=me",
        "election.elections.billing.retry-period=200ms",
        "election.elections.cleanup.identity=worker-7").run(context -> {
          assertThat(context).hasNotFailed().doesNotHaveBean(LeaderElection.class);
          Elections elections = context.getBean(Elections.class);
          assertThat(elections.all()).containsOnlyKeys("billing", "cleanup");
          assertThat(elections.get("billing").identity()).isEqualTo("me");
          assertThat(elections.get("cleanup").identity()).isEqualTo("worker-7");
          await().atMost(WAIT).until(() -> elections.get("billing").isLeader()
              && elections.get("cleanup").isLeader());
          assertThatThrownBy(() -> elections.get("other"))
              .hasMessageContaining("billing").hasMessageContaining("cleanup");
          assertThatThrownBy(elections::single).hasMessageContaining("several");
        });
  }

  @Test
  void anElectionBackendBeanOfTheApplicationIsUsed() {
    InMemoryElectionStore own = new InMemoryElectionStore();
    ElectionBackend backend = own.connect();
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ElectionAutoConfiguration.class))
        .withBean(ElectionBackend.class, () -> backend)
        .withPropertyValues("election.name=jobs", "election.identity=mine").run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(ElectionBackend.class)).isSameAs(backend);
          await().atMost(WAIT).until(() -> own.leaderOf("jobs").isPresent());
          assertThat(own.leaderOf("jobs")).contains("mine");
        });
  }

  // ------------------------------------------------------------------ refusals

  @Test
  void aMissingBackendIsRefused() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ElectionAutoConfiguration.class))
        .withPropertyValues("election.name=jobs")
        .run(context -> assertFailure(context, "election.backend is required"));
  }

  @Test
  void aBackendOfAnUnknownSchemeIsRefusedWithTheSchemesThereAre() {
    runner().withPropertyValues("election.backend=nosuch://x/y", "election.name=jobs")
        .run(context -> assertFailure(context, "election.backend (nosuch://x/y)", "memory"));
  }

  @Test
  void noElectionIsRefused() {
    runner().run(context -> assertFailure(context, "no election configured",
        "election.name"));
  }

  @Test
  void settingsTheLibraryRefusesAreRefusedWithThePropertyAndTheValue() {
    runner().withPropertyValues("election.name=jobs", "election.renew-deadline=1s")
        .run(context -> assertFailure(context,
            "election.renew-deadline (1s) must be shorter than election.lease-duration (1s)"));
    runner().withPropertyValues("election.name=jobs", "election.retry-period=-1s")
        .run(context -> assertFailure(context, "election.retry-period", "-1s"));
    runner().withPropertyValues("election.elections.billing.identity= ")
        .run(context -> assertFailure(context, "election.elections.billing.identity"));
    runner().withPropertyValues("election.elections.billing.drain-timeout=-2s")
        .run(context -> assertFailure(context, "election.elections.billing.drain-timeout",
            "-2s"));
    runner().withPropertyValues("election.name=" + "x".repeat(300))
        .run(context -> assertFailure(context, "election.name"));
  }

  @Test
  void aHealthSettingOutOfItsValuesIsRefused() {
    runner().withPropertyValues("election.name=jobs", "election.health.unknown-status=SICK")
        .run(context -> assertFailure(context, "election.health.unknown-status", "SICK"));
    runner().withPropertyValues("election.name=jobs", "election.health.unknown-timeout=-1s")
        .run(context -> assertFailure(context, "election.health.unknown-timeout", "-1s"));
  }

  private static void assertFailure(AssertableApplicationContext context, String... parts) {
    assertThat(context).hasFailed();
    Throwable root = context.getStartupFailure();
    while (!(root instanceof IllegalArgumentException) && root.getCause() != null) {
      root = root.getCause(); // the first refusal: ours, wrapping the library's
    }
    assertThat(root).isInstanceOf(IllegalArgumentException.class);
    for (String part : parts) {
      assertThat(root.getMessage()).contains(part);
    }
  }

  // ------------------------------------------------------------------ events

  @Configuration(proxyBeanMethods = false)
  static class Recording {
    final List<Object> events = new CopyOnWriteArrayList<>();

    @Bean
    ApplicationListener<LeadershipChangedEvent> ours() {
      return events::add;
    }

    @Bean
    ApplicationListener<AbstractLeaderEvent> integrations() {
      return events::add;
    }
  }

  @Test
  void springIntegrationsEventsTellGrantAndRevokeInOrderAndYieldResigns() {
    runner().withUserConfiguration(Recording.class).withPropertyValues("election.name=jobs")
        .run(context -> {
          List<Object> events = context.getBean(Recording.class).events;
          LeaderElection e = context.getBean(LeaderElection.class);
          await().atMost(WAIT).until(() -> events.stream().anyMatch(OnGrantedEvent.class::isInstance));
          OnGrantedEvent granted = (OnGrantedEvent) events.stream()
              .filter(OnGrantedEvent.class::isInstance).findFirst().orElseThrow();
          assertThat(granted.getRole()).isEqualTo("jobs");
          assertThat(granted.getContext().isLeader()).isTrue();
          long term = e.term();
          granted.getContext().yield(); // resigns
          await().atMost(WAIT).until(() -> events.stream().anyMatch(OnRevokedEvent.class::isInstance));
          assertThat(granted.getContext().isLeader()).isFalse();
          assertThat(e.term()).as("no new period before P has passed").isGreaterThanOrEqualTo(term);
          List<Class<?>> order = events.stream().<Class<?>>map(Object::getClass)
              .filter(c -> c != LeadershipChangedEvent.class).toList();
          assertThat(order.subList(0, 2)).containsExactly(OnGrantedEvent.class,
              OnRevokedEvent.class);
          assertThat(events).anyMatch(ev -> ev instanceof LeadershipChangedEvent l
              && l.event().isLeader() && l.election() == e);
        });
  }

  @Test
  void withoutSpringIntegrationOnlyOurEventIsPublished() {
    runner().withClassLoader(new FilteredClassLoader(LeaderEventPublisher.class))
        .withBean(CopyOnWriteArrayList.class)
        .withBean("ours", ApplicationListener.class, () -> (ApplicationListener<LeadershipChangedEvent>) ev -> { })
        .withPropertyValues("election.name=jobs").run(context -> {
          assertThat(context).hasNotFailed().doesNotHaveBean(IntegrationLeaderEvents.class);
          List<LeadershipChangedEvent> seen = new CopyOnWriteArrayList<>();
          context.addApplicationListener((ApplicationListener<LeadershipChangedEvent>) seen::add);
          LeaderElection e = context.getBean(LeaderElection.class);
          await().atMost(WAIT).until(e::isLeader);
          e.resign();
          await().atMost(WAIT).until(() -> seen.stream()
              .anyMatch(ev -> ev.previous().map(p -> p.isLeader()).orElse(false)));
        });
  }

  // ------------------------------------------------------------------ actuator

  @Test
  void healthIsUpWhileTheStoreAnswersAndOutOfServiceWhenUnknownTooLong() {
    runner().withPropertyValues("election.name=jobs", "election.identity=a",
        "election.health.unknown-timeout=50ms").run(context -> {
          ElectionHealthIndicator health = context.getBean(ElectionHealthIndicator.class);
          LeaderElection e = context.getBean(LeaderElection.class);
          await().atMost(WAIT).until(e::isLeader);
          Health up = health.health();
          assertThat(up.getStatus()).isEqualTo(Status.UP);
          assertThat(up.getDetails()).containsKey("jobs");
          @SuppressWarnings("unchecked")
          Map<String, Object> jobs = (Map<String, Object>) up.getDetails().get("jobs");
          assertThat(jobs).containsEntry("state", "LEADER").containsEntry("leader", "a")
              .containsEntry("term", e.term()).containsEntry("identity", "a");
          InMemoryElectionStore.named(store).stop();
          try {
            await().atMost(WAIT).until(() -> health.health().getStatus()
                .equals(Status.OUT_OF_SERVICE));
            assertThat(e.state()).isEqualTo(LeadershipState.UNKNOWN);
          } finally {
            InMemoryElectionStore.named(store).start();
          }
          await().atMost(WAIT).until(() -> health.health().getStatus().equals(Status.UP));
        });
  }

  @Test
  void aFollowerIsUpAndTheUnknownStatusCanBeDown() {
    InMemoryElectionStore shared = InMemoryElectionStore.named(store);
    ElectionBackend other = shared.connect();
    try (LeaderElection first = LeaderElection.builder(other).name("jobs").identity("first")
        .leaseDuration(Duration.ofSeconds(1)).renewDeadline(Duration.ofMillis(750))
        .retryPeriod(Duration.ofMillis(100)).build()) {
      first.start();
      await().atMost(WAIT).until(first::isLeader);
      runner().withPropertyValues("election.name=jobs", "election.identity=second",
          "election.health.unknown-status=down", "election.health.unknown-timeout=0s")
          .run(context -> {
            ElectionHealthIndicator health = context.getBean(ElectionHealthIndicator.class);
            LeaderElection e = context.getBean(LeaderElection.class);
            await().atMost(WAIT).until(() -> e.state() == LeadershipState.FOLLOWER);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            shared.cut(ElectionBackendOf.context(context));
            await().atMost(WAIT).until(() -> health.health().getStatus().equals(Status.DOWN));
          });
    } finally {
      other.close();
    }
  }

  /** The backend of a context. */
  private static final class ElectionBackendOf {
    static ElectionBackend context(AssertableApplicationContext context) {
      return context.getBean(ElectionBackend.class);
    }
  }

  @Test
  void infoTellsStateLeaderTermAndSince() {
    runner().withPropertyValues("election.name=jobs", "election.identity=a").run(context -> {
      LeaderElection e = context.getBean(LeaderElection.class);
      await().atMost(WAIT).until(e::isLeader);
      Info.Builder builder = new Info.Builder();
      context.getBean(ElectionInfoContributor.class).contribute(builder);
      @SuppressWarnings("unchecked")
      Map<String, Map<String, Object>> all =
          (Map<String, Map<String, Object>>) builder.build().getDetails().get("election");
      assertThat(all.get("jobs")).containsEntry("state", "LEADER").containsEntry("leader", "a")
          .containsEntry("term", e.term()).containsEntry("identity", "a").containsKey("since");
      java.time.Instant since = java.time.Instant.parse((String) all.get("jobs").get("since"));
      assertThat(since).isBefore(java.time.Instant.now().plusSeconds(1))
          .isAfter(java.time.Instant.now().minusSeconds(60));
    });
  }

  @Test
  void actuatorPartsStayOutWithoutTheirLibraries() {
    runner().withClassLoader(new FilteredClassLoader("org.springframework.boot.health",
            "org.springframework.boot.actuate", "io.micrometer"))
        .withPropertyValues("election.name=jobs").run(context ->
            assertThat(context).hasNotFailed().doesNotHaveBean(ElectionHealthIndicator.class)
                .doesNotHaveBean(ElectionInfoContributor.class)
                .doesNotHaveBean(LeaderElectionMetrics.class));
  }

  @Test
  void healthAndInfoCanBeTurnedOff() {
    runner().withPropertyValues("election.name=jobs", "management.health.election.enabled=false",
        "management.info.election.enabled=false").run(context ->
            assertThat(context).hasNotFailed().doesNotHaveBean(ElectionHealthIndicator.class)
                .doesNotHaveBean(ElectionInfoContributor.class));
  }

  // ------------------------------------------------------------------ metrics

  @Test
  void metersAreBoundWhenAMeterRegistryExists() {
    runner().withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class))
        .withBean(SimpleMeterRegistry.class)
        .withPropertyValues("election.name=jobs").run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(LeaderElectionMetrics.class);
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          LeaderElection e = context.getBean(LeaderElection.class);
          await().atMost(WAIT).until(e::isLeader);
          assertThat(registry.get("election.state").tag("election", "jobs").tag("state", "leader")
              .gauge().value()).isEqualTo(1.0);
          assertThat(registry.get("election.transitions").tag("from", "unknown")
              .tag("to", "leader").counter().count()).isEqualTo(1.0);
        });
  }

  @Test
  void noMetersWithoutAMeterRegistry() {
    runner().withPropertyValues("election.name=jobs").run(context ->
        assertThat(context).hasNotFailed().doesNotHaveBean(LeaderElectionMetrics.class));
  }
}
