package io.github.election.tck.broken;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipListener;
import io.github.election.RoundRecorder;
import io.github.election.Subscription;
import io.github.election.TransitionRecorder;
import java.time.Duration;
import java.util.function.Predicate;

/** A handle that forwards everything to a real election; broken handles override a part. */
class ForwardingElection implements LeaderElection {

  final LeaderElection inner;

  ForwardingElection(LeaderElection inner) {
    this.inner = inner;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public String identity() {
    return inner.identity();
  }

  @Override
  public void start() {
    inner.start();
  }

  @Override
  public LeadershipEvent current() {
    return inner.current();
  }

  @Override
  public Subscription subscribe(LeadershipListener listener) {
    return inner.subscribe(listener);
  }

  @Override
  public Subscription recordTransitions(TransitionRecorder recorder) {
    return inner.recordTransitions(recorder);
  }

  @Override
  public Subscription recordRounds(RoundRecorder recorder) {
    return inner.recordRounds(recorder);
  }

  @Override
  public boolean await(Predicate<LeadershipEvent> condition, Duration timeout)
      throws InterruptedException {
    return inner.await(condition, timeout);
  }

  @Override
  public void resign() {
    inner.resign();
  }

  @Override
  public void resign(String successor) {
    inner.resign(successor);
  }

  @Override
  public void close() {
    inner.close();
  }
}
