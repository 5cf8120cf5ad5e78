package io.github.election.spring.boot;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.Ticker;
import io.github.election.spi.SettingValues;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The health of the elections ({@code /actuator/health/election}): UP while the store answers,
 * whether this instance leads or follows, so that a follower is never "down"; an election that
 * has been UNKNOWN (the store does not answer) for longer than {@code
 * election.health.unknown-timeout} makes it {@code election.health.unknown-status}
 * (OUT_OF_SERVICE by default, or DOWN). Details per election: state, leader, term, identity, and
 * for how long it has been UNKNOWN.
 */
final class ElectionHealthIndicator implements HealthIndicator {

  private final Elections elections;
  private final long unknownTimeoutNanos;
  private final Status unknownStatus;
  private final Ticker ticker;

  ElectionHealthIndicator(Elections elections, ElectionProperties.Health settings,
      Ticker ticker) {
    this.elections = elections;
    Duration timeout = settings.getUnknownTimeout();
    if (timeout == null || timeout.isNegative()) {
      throw new IllegalArgumentException("election.health.unknown-timeout must not be negative,"
          + " got " + (timeout == null ? null : SettingValues.format(timeout)));
    }
    this.unknownTimeoutNanos = timeout.toNanos();
    this.unknownStatus = status(settings.getUnknownStatus());
    this.ticker = ticker;
  }

  private static Status status(String code) {
    if (code != null) {
      switch (code.trim().toUpperCase(java.util.Locale.ROOT)) {
        case "DOWN":
          return Status.DOWN;
        case "OUT_OF_SERVICE":
          return Status.OUT_OF_SERVICE;
        default:
          break;
      }
    }
    throw new IllegalArgumentException("election.health.unknown-status must be OUT_OF_SERVICE or"
        + " DOWN, got " + code);
  }

  @Override
  public Health health() {
    boolean unhealthy = false;
    Map<String, Object> details = new LinkedHashMap<>();
    long now = ticker.read();
    for (Map.Entry<String, LeaderElection> e : elections.all().entrySet()) {
      LeadershipEvent view = e.getValue().current();
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("state", view.state().name());
      view.leader().ifPresent(l -> d.put("leader", l));
      if (view.term() != LeadershipEvent.NO_TERM) {
        d.put("term", view.term());
      }
      d.put("identity", view.identity());
      if (view.state() == LeadershipState.UNKNOWN) {
        long unknownFor = now - view.sinceNanos();
        d.put("unknownFor", Duration.ofNanos(unknownFor).toString());
        unhealthy |= unknownFor > unknownTimeoutNanos;
      }
      details.put(e.getKey(), d);
    }
    return Health.status(unhealthy ? unknownStatus : Status.UP).withDetails(details).build();
  }
}
