package io.github.election.kubernetes;

import io.github.election.Ticker;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.Observation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A candidate's context without an engine: for driving a Candidate by hand. */
final class FakeContext implements CandidateContext {

  final ElectionSettings settings;
  final AtomicInteger changes = new AtomicInteger();
  final List<Observation> observed = new CopyOnWriteArrayList<>();

  FakeContext(String name, String identity) {
    this.settings = new ElectionSettings(name, identity, Duration.ofSeconds(3),
        Duration.ofSeconds(2), Duration.ofMillis(250));
  }

  @Override
  public ElectionSettings settings() {
    return settings;
  }

  @Override
  public Ticker ticker() {
    return Ticker.system();
  }

  @Override
  public void changed() {
    changes.incrementAndGet();
  }

  @Override
  public void observed(Observation observation) {
    observed.add(observation);
  }
}
