package io.github.election;

import java.time.Duration;
import java.util.function.Predicate;

/** A {@link LeaderObserver}: the engine run on an observing candidate, without resign. */
final class Observer implements LeaderObserver {

  private final Engine engine;

  Observer(Engine engine) {
    this.engine = engine;
  }

  @Override
  public String name() {
    return engine.name();
  }

  @Override
  public void start() {
    engine.start();
  }

  @Override
  public LeadershipEvent current() {
    return engine.current();
  }

  @Override
  public Subscription subscribe(LeadershipListener listener) {
    return engine.subscribe(listener);
  }

  @Override
  public boolean await(Predicate<LeadershipEvent> condition, Duration timeout)
      throws InterruptedException {
    return engine.await(condition, timeout);
  }

  @Override
  public void close() {
    engine.close();
  }

  @Override
  public String toString() {
    return "LeaderObserver{" + engine.name() + "/" + engine.identity() + ", " + current() + "}";
  }
}
