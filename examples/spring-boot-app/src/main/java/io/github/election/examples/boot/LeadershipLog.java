package io.github.election.examples.boot;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.integration.leader.event.AbstractLeaderEvent;
import org.springframework.integration.leader.event.OnGrantedEvent;
import org.springframework.integration.leader.event.OnRevokedEvent;
import org.springframework.stereotype.Component;

/** Spring Integration's leader events, as code written for its leader initiators gets them. */
@Component
public class LeadershipLog {

  private static final Logger log = LoggerFactory.getLogger(LeadershipLog.class);

  private final List<String> events = new CopyOnWriteArrayList<>();

  @EventListener
  public void granted(OnGrantedEvent event) {
    record("granted", event);
  }

  @EventListener
  public void revoked(OnRevokedEvent event) {
    record("revoked", event);
  }

  private void record(String what, AbstractLeaderEvent event) {
    log.info("leadership of {} {}", event.getRole(), what);
    events.add(what);
  }

  /** "granted" and "revoked", in the order they came. */
  public List<String> events() {
    return List.copyOf(events);
  }
}
