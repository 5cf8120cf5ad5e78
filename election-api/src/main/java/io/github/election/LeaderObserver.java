package io.github.election;

import io.github.election.spi.ElectionBackend;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * Follows who leads an election without ever being a candidate: for dashboards, proxies that
 * route to the leader, and {@code elect status --watch}. It costs the store reads and watches,
 * never a write, and never holds or blocks leadership.
 *
 * <pre>{@code
 * try (LeaderObserver observer = LeaderObserver.builder(store).name("cluster-checks").build()) {
 *   observer.subscribe(e -> route(e.leader()));   // empty while nobody leads or UNKNOWN
 *   observer.start();
 *   ...
 * }
 * }</pre>
 *
 * <p><b>Views.</b> An observer's {@link LeadershipEvent}s have the state {@code FOLLOWER} once
 * the store answered ({@link LeadershipEvent#leader()} names the leader with the term of its
 * period, or is empty when nobody leads) and {@code UNKNOWN} before the first answer, when the
 * store has not answered for the renew deadline R, and after close; never {@code LEADER}.
 * {@link LeadershipEvent#identity()} is the observer's own name for logs. A view is what the
 * store showed at its last look: a leader may have gone since, for at most one change
 * notification of the store.
 *
 * <p><b>Notifications</b> are those of a candidate (see {@link LeadershipListener}): in order,
 * coalesced per listener, isolated, the current view at once on subscribe, no lost wake-ups. It
 * is the same engine as {@link LeaderElection}'s, run on the backend's {@link
 * ElectionBackend#observe observing candidate}.
 *
 * <p>Thread-safe. Built, {@link #start() started} once, {@link #close() closed}; closing stops
 * the watch and leaves nothing behind.
 */
public interface LeaderObserver extends AutoCloseable {

  /** The election's name. */
  String name();

  /**
   * Starts following: the first look at the store happens at once, on the shared threads.
   *
   * @throws IllegalStateException if already started, or closed
   */
  void start();

  /** The live view, after checking its deadline; never null. */
  LeadershipEvent current();

  /** Who leads, as far as the store showed at its last look; empty when nobody or unknown. */
  default Optional<String> leader() {
    return current().leader();
  }

  /** The term of the leader's period, or {@link LeadershipEvent#NO_TERM}. */
  default long term() {
    return current().term();
  }

  /**
   * Adds a listener, called at once with the current view, then after every change, as
   * {@link LeadershipListener} describes.
   *
   * @return the subscription; close it to stop the notifications
   * @throws NullPointerException if listener is null
   */
  Subscription subscribe(LeadershipListener listener);

  /**
   * Waits until the live view satisfies a condition, as {@link LeaderElection#await} does.
   *
   * @return true if it did before the timeout
   * @throws InterruptedException if the waiting thread is interrupted
   */
  boolean await(Predicate<LeadershipEvent> condition, Duration timeout)
      throws InterruptedException;

  /**
   * Stops following: stops the watch, tells every listener the final {@code UNKNOWN} view and
   * frees the threads. Idempotent; never throws.
   */
  @Override
  void close();

  /**
   * Starts building an observer on a backend.
   *
   * @param backend the store; it stays the caller's to close
   */
  static Builder builder(ElectionBackend backend) {
    return new Builder(backend);
  }

  /**
   * Builds a {@link LeaderObserver}; each setting is checked as {@link LeaderElection.Builder}
   * checks it. Not thread-safe.
   */
  final class Builder {

    private final LeaderElection.Builder inner;

    private Builder(ElectionBackend backend) {
      this.inner = LeaderElection.builder(backend);
    }

    /**
     * The election to follow (required).
     *
     * @throws IllegalArgumentException as {@link LeaderElection.Builder#name}
     */
    public Builder name(String name) {
      inner.name(name);
      return this;
    }

    /**
     * The observer's name in logs and events (default {@code observer-} and the host name with
     * a random suffix).
     *
     * @throws IllegalArgumentException as {@link LeaderElection.Builder#identity}
     */
    public Builder identity(String identity) {
      inner.identity(identity);
      return this;
    }

    /**
     * How long a view stays without an answer of the store before it is {@code UNKNOWN}
     * (default 10 s, as a candidate's renew deadline; it must stay shorter than the lease
     * duration setting, default 15 s).
     *
     * @throws IllegalArgumentException if zero, negative or longer than one day
     */
    public Builder renewDeadline(Duration renewDeadline) {
      inner.renewDeadline(renewDeadline);
      return this;
    }

    /**
     * The lease duration the candidates use (default 15 s); it only bounds the renew deadline.
     *
     * @throws IllegalArgumentException if zero, negative or longer than one day
     */
    public Builder leaseDuration(Duration leaseDuration) {
      inner.leaseDuration(leaseDuration);
      return this;
    }

    /**
     * The interval between two looks at the store (default 2 s); a watch tells of changes in
     * between. Shorter than the renew deadline.
     *
     * @throws IllegalArgumentException if zero, negative or longer than one day
     */
    public Builder retryPeriod(Duration retryPeriod) {
      inner.retryPeriod(retryPeriod);
      return this;
    }

    /** The monotonic clock of the deadlines (default {@link Ticker#system()}). */
    public Builder ticker(Ticker ticker) {
      inner.ticker(ticker);
      return this;
    }

    /** The executor that runs listeners, as {@link LeaderElection.Builder#notificationExecutor}. */
    public Builder notificationExecutor(Executor executor) {
      inner.notificationExecutor(executor);
      return this;
    }

    /** A synchronous recorder of every change of view, as {@link TransitionRecorder}. */
    public Builder transitionRecorder(TransitionRecorder recorder) {
      inner.transitionRecorder(recorder);
      return this;
    }

    /**
     * Builds the observer, not yet started.
     *
     * @throws IllegalStateException if no name was given
     * @throws IllegalArgumentException if the durations are not ordered {@code retryPeriod <
     *     renewDeadline < leaseDuration}, or the backend refuses the settings
     */
    public LeaderObserver build() {
      return new Observer(inner.engine(true));
    }
  }
}
