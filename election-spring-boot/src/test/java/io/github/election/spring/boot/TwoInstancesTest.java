package io.github.election.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.election.LeaderElection;
import io.github.election.memory.testing.MemoryHarness;
import io.github.election.testing.Timings;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Two instances of one application (two contexts) on one in-memory store, as two replicas on
 * one store would be: one leads, only its {@link LeaderOnly} method runs, and closing its
 * context hands leadership over within the store's handover bound (rule L2).
 */
class TwoInstancesTest {

  private static final Timings TIMINGS = MemoryHarness.TIMINGS;

  /** A bean whose work only the leader does. */
  static class Worker {
    final AtomicInteger runs = new AtomicInteger();
    final List<Long> terms = new CopyOnWriteArrayList<>();

    @LeaderOnly
    public int work() {
      terms.add(ElectionTerm.current());
      return runs.incrementAndGet();
    }

    @LeaderOnly("jobs")
    public boolean named() {
      return true;
    }

    // read through methods: the bean is a class proxy, whose own fields are not the target's
    public int runs() {
      return runs.get();
    }

    public List<Long> terms() {
      return terms;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class App {
    @Bean
    Worker worker() {
      return new Worker();
    }
  }

  @Test
  void oneLeadsOnlyItsLeaderOnlyMethodRunsAndClosingItHandsOver() {
    String store = "two-" + UUID.randomUUID();
    ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ElectionAutoConfiguration.class))
        .withUserConfiguration(App.class)
        .withPropertyValues("election.backend=memory://" + store, "election.name=jobs",
            "election.lease-duration=" + TIMINGS.leaseDuration().toMillis() + "ms",
            "election.renew-deadline=" + TIMINGS.renewDeadline().toMillis() + "ms",
            "election.retry-period=" + TIMINGS.retryPeriod().toMillis() + "ms");
    // two contexts at once: the second runs inside the first; closing one early is fine
    runner.withPropertyValues("election.identity=a").run(a ->
        runner.withPropertyValues("election.identity=b").run(b -> {
          LeaderElection ea = a.getBean(LeaderElection.class);
          LeaderElection eb = b.getBean(LeaderElection.class);
          await().atMost(Duration.ofSeconds(10))
              .until(() -> ea.isLeader() != eb.isLeader() && ea.leader().equals(eb.leader()));
          ConfigurableApplicationContext leader = ea.isLeader() ? a : b;
          ConfigurableApplicationContext follower = ea.isLeader() ? b : a;
          LeaderElection leaderElection = leader.getBean(LeaderElection.class);
          LeaderElection followerElection = follower.getBean(LeaderElection.class);
          Worker leading = leader.getBean(Worker.class);
          Worker following = follower.getBean(Worker.class);
          assertThat(leading).as("a class proxy").isNotExactlyInstanceOf(Worker.class);

          assertThat(leading.work()).isEqualTo(1);
          assertThat(leading.named()).isTrue();
          assertThat(following.work()).as("skipped: zero").isZero();
          assertThat(following.named()).as("skipped: false").isFalse();
          assertThat(following.runs()).isZero();
          assertThat(leading.terms()).containsExactly(leaderElection.term());

          long closing = System.nanoTime();
          leader.close();
          await().atMost(Duration.ofSeconds(10)).until(followerElection::isLeader);
          long handover = followerElection.current().sinceNanos() - closing;
          assertThat(Duration.ofNanos(handover)).as("handover on close (L2)")
              .isLessThanOrEqualTo(TIMINGS.handover());
          assertThat(following.work()).isEqualTo(1);
          assertThat(following.terms().get(0)).isGreaterThan(leading.terms().get(0));
        }));
  }
}
