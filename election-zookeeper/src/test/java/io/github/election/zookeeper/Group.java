package io.github.election.zookeeper;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.TransitionRecorder;
import io.github.election.spi.ElectionBackend;
import io.github.election.tck.SafetyMonitor;
import io.github.election.testing.Timings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.awaitility.Awaitility;

/**
 * Candidates of one election for this module's own tests: each on its own backend, all
 * recorded by one {@link SafetyMonitor}. Closing the group closes the elections, then the
 * backends.
 */
final class Group implements AutoCloseable {

  /** One candidate and its backend. */
  record Member(String identity, ElectionBackend backend, LeaderElection election) {
    LeadershipEvent current() {
      return election.current();
    }

    boolean isLeader() {
      return election.isLeader();
    }

    @Override
    public String toString() {
      return identity + "=" + election.current();
    }
  }

  final SafetyMonitor monitor = new SafetyMonitor();
  /** Every leader identity any member's view has named, recorded without coalescing. */
  final Set<String> leadersSeen = ConcurrentHashMap.newKeySet();
  final List<Member> members = new ArrayList<>();
  private final String name;
  private final Timings timings;

  Group(String name, Timings timings) {
    this.name = name;
    this.timings = timings;
  }

  /** Adds and starts a candidate on a backend from the supplier. */
  Member add(String identity, Supplier<ElectionBackend> backends) {
    ElectionBackend backend = backends.get();
    LeaderElection election = timings.applyTo(LeaderElection.builder(backend))
        .name(name).identity(identity).drainTimeout(Duration.ZERO)
        .transitionRecorder(recorder()).build();
    Member m = new Member(identity, backend, election);
    members.add(m);
    election.start();
    return m;
  }

  private TransitionRecorder recorder() {
    TransitionRecorder checked = monitor.recorder();
    return (previous, next) -> {
      next.leader().ifPresent(leadersSeen::add);
      checked.record(previous, next);
    };
  }

  /** Waits until exactly one of the members leads and the others follow it, and returns it. */
  Member awaitConverged(List<Member> group, Duration atMost) {
    AtomicReference<Member> leader = new AtomicReference<>();
    Awaitility.await("one leader followed by " + group).atMost(atMost)
        .pollInterval(Duration.ofMillis(5)).until(() -> {
          Member found = null;
          for (Member m : group) {
            if (m.isLeader()) {
              if (found != null) {
                return false;
              }
              found = m;
            }
          }
          if (found == null) {
            return false;
          }
          LeadershipEvent lead = found.current();
          for (Member m : group) {
            LeadershipEvent e = m.current();
            if (m != found && (e.state() != LeadershipState.FOLLOWER
                || !e.leader().equals(Optional.of(found.identity())) || e.term() != lead.term())) {
              return false;
            }
          }
          leader.set(found);
          return true;
        });
    return leader.get();
  }

  Member awaitConverged(Duration atMost) {
    return awaitConverged(members, atMost);
  }

  @Override
  public void close() {
    members.forEach(m -> m.election().close());
    members.forEach(m -> m.backend().close());
  }
}
