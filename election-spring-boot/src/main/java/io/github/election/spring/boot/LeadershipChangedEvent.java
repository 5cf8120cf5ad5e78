package io.github.election.spring.boot;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import java.util.Optional;
import org.springframework.context.ApplicationEvent;

/**
 * A change of an election's view (state, leader or term), published to the application
 * context: {@code @EventListener void on(LeadershipChangedEvent e)}. Events of one election come
 * in order, one at a time, on the library's listener threads; a change overtaken before it was
 * told may be skipped (the library coalesces), never reordered. The event is a snapshot: {@link
 * #election()} tells the live view.
 */
public class LeadershipChangedEvent extends ApplicationEvent {

  private static final long serialVersionUID = 1L;

  private final transient LeaderElection election;
  private final transient LeadershipEvent previous;
  private final transient LeadershipEvent event;

  /**
   * A change of {@code election} from {@code previous} (null for the first view told) to
   * {@code event}.
   */
  public LeadershipChangedEvent(LeaderElection election, LeadershipEvent previous,
      LeadershipEvent event) {
    super(election);
    this.election = election;
    this.previous = previous;
    this.event = event;
  }

  /** The election that changed. */
  public LeaderElection election() {
    return election;
  }

  /** The view told before this one; empty for the first. */
  public Optional<LeadershipEvent> previous() {
    return Optional.ofNullable(previous);
  }

  /** The new view. */
  public LeadershipEvent event() {
    return event;
  }

  @Override
  public String toString() {
    return "LeadershipChangedEvent{" + event + "}";
  }
}
