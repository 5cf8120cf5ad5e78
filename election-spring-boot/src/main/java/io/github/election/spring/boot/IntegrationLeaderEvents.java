package io.github.election.spring.boot;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.integration.leader.Context;
import org.springframework.integration.leader.event.LeaderEventPublisher;

/**
 * Tells gaining and losing leadership the way Spring Integration's leader initiators do
 * ({@code OnGrantedEvent}, {@code OnRevokedEvent}, role = the election's name), so that {@code
 * @EventListener(OnGrantedEvent.class)} code and {@code SmartLifecycleRoleController} roles work
 * unchanged. A new term is a revocation of the old one followed by a grant.
 */
final class IntegrationLeaderEvents implements Elections.LeadershipTranslator {

  private static final Logger log = LoggerFactory.getLogger(IntegrationLeaderEvents.class);

  private final LeaderEventPublisher publisher;

  IntegrationLeaderEvents(LeaderEventPublisher publisher) {
    this.publisher = publisher;
  }

  @Override
  public void changed(LeaderElection election, LeadershipEvent previous, LeadershipEvent now) {
    boolean wasLeader = previous != null && previous.isLeader();
    boolean samePeriod = wasLeader && now.isLeader() && now.term() == previous.term();
    if (wasLeader && !samePeriod) {
      publisher.publishOnRevoked(election, new TermContext(election, previous.term()),
          election.name());
    }
    if (now.isLeader() && !samePeriod) {
      publisher.publishOnGranted(election, new TermContext(election, now.term()),
          election.name());
    }
  }

  /** The context of one leadership period: {@code yield()} resigns it if it still holds. */
  static final class TermContext implements Context {

    private final LeaderElection election;
    private final long term;

    TermContext(LeaderElection election, long term) {
      this.election = election;
      this.term = term;
    }

    @Override
    public boolean isLeader() {
      LeadershipEvent now = election.current();
      return now.isLeader() && now.term() == term;
    }

    /** Resigns, if this period still holds: another candidate takes over at once. */
    @Override
    public void yield() {
      if (!isLeader()) {
        return;
      }
      try {
        election.resign();
      } catch (IllegalStateException e) {
        log.debug("{}: yield() after close: nothing to resign", election.name());
      }
    }

    @Override
    public String getRole() {
      return election.name();
    }

    /** The term of this leadership period. */
    long term() {
      return term;
    }

    @Override
    public String toString() {
      return "Context{role=" + election.name() + ", term=" + term + ", leader=" + isLeader() + "}";
    }
  }
}
