package io.github.election.spring.boot;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

/**
 * The elections in {@code /actuator/info}, under {@code election}: per election its state,
 * leader, term, this instance's identity, and since when the view holds (an instant on the
 * wall clock, converted from the election's monotonic clock).
 */
final class ElectionInfoContributor implements InfoContributor {

  private final Elections elections;
  private final Ticker ticker;
  private final Clock clock;

  ElectionInfoContributor(Elections elections, Ticker ticker, Clock clock) {
    this.elections = elections;
    this.ticker = ticker;
    this.clock = clock;
  }

  @Override
  public void contribute(Info.Builder builder) {
    Map<String, Object> all = new LinkedHashMap<>();
    long now = ticker.read();
    for (Map.Entry<String, LeaderElection> e : elections.all().entrySet()) {
      LeadershipEvent view = e.getValue().current();
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("state", view.state().name());
      d.put("leader", view.leader().orElse(null));
      d.put("term", view.term());
      d.put("identity", view.identity());
      d.put("since", clock.instant().minus(Duration.ofNanos(now - view.sinceNanos())).toString());
      all.put(e.getKey(), d);
    }
    builder.withDetail("election", all);
  }
}
