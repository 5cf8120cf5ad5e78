package io.github.election;

import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.SettingValues;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * One candidate in one election: the handle a program holds to take part, learn its role, and
 * be told when it changes.
 *
 * <pre>{@code
 * try (ElectionBackend store = ElectionBackends.open("zookeeper://127.0.0.1:2181/elections");
 *      LeaderElection election = LeaderElection.builder(store)
 *          .name("cluster-checks")
 *          .identity(podName)
 *          .whileLeader(term -> dispatchChecks(term))
 *          .build()) {
 *   election.subscribe(e -> log.info("now {} (leader {}, term {})", e.state(), e.leader(), e.term()));
 *   election.start();
 *   ...
 * }
 * }</pre>
 *
 * <p><b>State.</b> {@link #state()} and the other getters read the live view and check the renew
 * deadline themselves: a leader whose leadership was not confirmed for the renew deadline R is
 * not reported as leader, even if the threads that renew it are stalled. Every getter is cheap,
 * non-blocking and safe from any thread; {@link #current()} reads all of them at once.
 *
 * <p><b>Notifications.</b> Listeners ({@link #subscribe}) are told of every change after the
 * getters show it, coalesced per listener, isolated from each other and from the renewals; see
 * {@link LeadershipListener}.
 *
 * <p><b>Life cycle.</b> Built, then {@link #start() started} once, then {@link #close() closed}.
 * Closing releases leadership in the store so that another candidate takes over at once, and
 * leaves no thread, connection, watch or lease of this election behind.
 *
 * <p>Implementations are thread-safe.
 */
public interface LeaderElection extends AutoCloseable {

  /** The election's name. */
  String name();

  /** This candidate's identity. */
  String identity();

  /**
   * Starts taking part: the first look at the store happens at once, on the election's own
   * threads; this method does not wait for it. Until then the state is {@code UNKNOWN}.
   *
   * @throws IllegalStateException if already started, or closed
   */
  void start();

  /**
   * The live view: state, leader and term read at once, after checking the renew deadline.
   * Never null.
   */
  LeadershipEvent current();

  /** The live state; the same as {@code current().state()}. */
  default LeadershipState state() {
    return current().state();
  }

  /** Whether this candidate is {@code LEADER} now; the same as {@code current().isLeader()}. */
  default boolean isLeader() {
    return current().isLeader();
  }

  /**
   * Who leads, when known: this candidate's identity while it is leader, another's while it
   * follows a known leader, empty otherwise. While this candidate gives up leadership (resign,
   * close) it is {@code FOLLOWER} and may still name itself, until the store shows the next
   * leader: the store holds its claim until the release is done.
   */
  default Optional<String> leader() {
    return current().leader();
  }

  /** The term of the reported leader's period, or {@link LeadershipEvent#NO_TERM}. */
  default long term() {
    return current().term();
  }

  /**
   * Adds a listener. It is called once at once (on the notification executor) with the current
   * view, then after every change, as described in {@link LeadershipListener}. Subscribing to a
   * closed election gives a subscription whose listener hears the final view once.
   *
   * @return the subscription; close it to stop the notifications
   * @throws NullPointerException if listener is null
   */
  Subscription subscribe(LeadershipListener listener);

  /**
   * Adds a synchronous recorder of every transition of this election, as described in {@link
   * TransitionRecorder}: unlike a listener it is not coalesced, and it sees each change before
   * any getter shows it. A recorder added before {@link #start()} sees every transition; one
   * added later sees those that follow. May be called in any state; after close it is never
   * called.
   *
   * @return the subscription; close it to stop the recording (a call under way may finish)
   * @throws NullPointerException if recorder is null
   */
  Subscription recordTransitions(TransitionRecorder recorder);

  /**
   * Adds a synchronous recorder of every round of this candidate with its store, as described
   * in {@link RoundRecorder}: its latency and what became of it. A recorder added before {@link
   * #start()} sees every round; one added later sees those that complete after. May be called
   * in any state; after close it is never called.
   *
   * @return the subscription; close it to stop the recording (a call under way may finish)
   * @throws NullPointerException if recorder is null
   */
  Subscription recordRounds(RoundRecorder recorder);

  /**
   * Waits until the live view satisfies a condition. The condition runs on the calling thread,
   * outside the election's locks, once at first and again after each change of the view
   * (including a leadership that lapses at its renew deadline).
   *
   * @return true if it did before the timeout, false if the timeout passed first
   * @throws InterruptedException if the waiting thread is interrupted
   */
  boolean await(Predicate<LeadershipEvent> condition, Duration timeout) throws InterruptedException;

  /**
   * Gives up leadership and stays a candidate. If this candidate leads, it leaves {@code
   * LEADER} at once (listeners are told), its leader work is interrupted and awaited for up to
   * the drain timeout, and only then is the lease released in the store, so that another open
   * candidate takes over. This candidate does not win again before the others had the chance.
   * When the store lists candidates of a higher priority ({@link Builder#priority}), the open
   * candidate of the highest priority is named as the successor, as {@link #resign(String)}
   * does: reading that list costs one round trip before the release. Blocks the caller until
   * the store answered or the renew deadline passed.
   *
   * @throws IllegalStateException if not started, or closed
   */
  void resign();

  /**
   * Hands leadership over to the candidate named {@code successor}: as {@link #resign()}, but
   * the store is told who is to lead next. If {@code successor} is an open candidate of the
   * election that can reach the store, it leads next, within the store's handover bound, and
   * no other candidate leads in between; if it is not (an unknown name, a candidate that left),
   * another candidate may lead after the {@linkplain Builder#handoverTimeout handover timeout}
   * at most (ZooKeeper, etcd and the in-memory store do not wait: they see at once that the name
   * has no candidate). A successor that crashed while its session or lease still runs leads in
   * the store until it runs out, as a crashed leader does. Does nothing in the store if this
   * candidate does not lead. Blocks as {@link #resign()} does.
   *
   * <p>The typical use: a rolling update hands leadership once to a replica that was updated
   * already, instead of letting it pass through every old one.
   *
   * @param successor the identity of the candidate to lead next
   * @throws IllegalArgumentException if successor is blank, too long, holds a forbidden
   *     character, or is this candidate's own identity
   * @throws IllegalStateException if not started, or closed
   */
  void resign(String successor);

  /**
   * Leaves the election: leaves {@code LEADER}, interrupts the leader work and waits for it (up
   * to the drain timeout), releases leadership and candidacy in the store, tells every listener
   * the final {@code UNKNOWN} view (waiting up to the drain timeout for listeners that are
   * busy), and frees the election's threads. Idempotent; may be called from a listener (that
   * listener is not waited for). Never throws.
   */
  @Override
  void close();

  /**
   * The identity a candidate gets when none is given: the host name ({@code HOSTNAME}, a pod's
   * name in Kubernetes, else the local host's name) and a random suffix, so that two candidates
   * in one process or host never share one. Each call makes a new one.
   */
  static String defaultIdentity() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException | SecurityException e) {
        host = "candidate";
      }
    }
    return host + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 32);
  }

  /**
   * Starts building a candidate on a backend.
   *
   * @param backend the store; it stays the caller's to close
   */
  static Builder builder(ElectionBackend backend) {
    return new Builder(backend);
  }

  /**
   * Builds a {@link LeaderElection}, validating each setting as it is given. Not thread-safe;
   * one builder may build several elections.
   *
   * <p><b>Limits.</b> What every store and the engine can take, checked by {@link
   * ElectionSettings} (the same checks a backend sees its settings pass):
   * <ul>
   *   <li>name: not blank, at most {@value ElectionSettings#MAX_NAME_LENGTH} characters (the
   *       longest Kubernetes Lease name, so that a name works on every store), no control,
   *       line separator or bidirectional formatting characters; a backend may refuse more
   *       (a Kubernetes Lease name is a DNS-1123 subdomain, a ZooKeeper name holds no
   *       {@code /});</li>
   *   <li>identity: not blank, at most {@value ElectionSettings#MAX_IDENTITY_LENGTH}
   *       characters, the same characters refused as in names, since both are written into
   *       every log line of the candidate;</li>
   *   <li>lease duration, renew deadline, retry period: positive and at most one day ({@link
   *       ElectionSettings#MAX_DURATION}), ordered {@code retryPeriod < renewDeadline <
   *       leaseDuration}; drain timeout: from zero to one day.</li>
   * </ul>
   * Every refusal is an {@link IllegalArgumentException} whose message names the setting and
   * shows the value (a long value by its first characters and its length, characters that
   * could break a log line escaped).
   */
  final class Builder {

    /** Default lease duration D, as Kubernetes' own components use: 15 s. */
    public static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(15);
    /** Default renew deadline R: 10 s. */
    public static final Duration DEFAULT_RENEW_DEADLINE = Duration.ofSeconds(10);
    /** Default retry period P: 2 s. */
    public static final Duration DEFAULT_RETRY_PERIOD = Duration.ofSeconds(2);
    /** Default drain timeout for leader work and for busy listeners on close: 5 s. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);

    private final ElectionBackend backend;
    private String name;
    private String identity;
    private Duration leaseDuration = DEFAULT_LEASE_DURATION;
    private Duration renewDeadline = DEFAULT_RENEW_DEADLINE;
    private Duration retryPeriod = DEFAULT_RETRY_PERIOD;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private Duration handoverTimeout;
    private int priority;
    private Duration preemptAfter;
    private Ticker ticker = Ticker.system();
    private Executor notificationExecutor;
    private LeaderTask leaderTask;
    private TransitionRecorder recorder;

    private Builder(ElectionBackend backend) {
      this.backend = Objects.requireNonNull(backend, "backend");
    }

    /**
     * The election's name, shared by all its candidates (required).
     *
     * @throws IllegalArgumentException if blank, longer than {@value
     *     ElectionSettings#MAX_NAME_LENGTH} characters, or holding a control, line separator or
     *     bidirectional formatting character
     */
    public Builder name(String name) {
      this.name = SettingValues.requireText(name, "name", ElectionSettings.MAX_NAME_LENGTH);
      return this;
    }

    /**
     * This candidate's identity, unique among the election's candidates, such as a host or pod
     * name. Default: the host name followed by a random suffix.
     *
     * @throws IllegalArgumentException if blank, longer than {@value
     *     ElectionSettings#MAX_IDENTITY_LENGTH} characters, or holding a control, line
     *     separator or bidirectional formatting character
     */
    public Builder identity(String identity) {
      this.identity = SettingValues.requireText(identity, "identity",
          ElectionSettings.MAX_IDENTITY_LENGTH);
      return this;
    }

    /**
     * D, how long the store keeps a lease after its last renewal (default 15 s).
     *
     * @throws IllegalArgumentException if zero, negative or longer than one day
     */
    public Builder leaseDuration(Duration leaseDuration) {
      this.leaseDuration = SettingValues.requireDuration(leaseDuration, "leaseDuration");
      return this;
    }

    /**
     * R, how long a leader stays leader after the send time of its last confirmed renewal
     * (default 10 s); must be shorter than D.
     *
     * @throws IllegalArgumentException if zero, negative or longer than one day
     */
    public Builder renewDeadline(Duration renewDeadline) {
      this.renewDeadline = SettingValues.requireDuration(renewDeadline, "renewDeadline");
      return this;
    }

    /**
     * P, the interval between two rounds with the store (default 2 s); must be shorter than R.
     * Each interval is shortened by a random part of up to a tenth of P, so that elections
     * started together do not poll the store in step; it is never longer than P.
     *
     * @throws IllegalArgumentException if zero, negative or longer than one day
     */
    public Builder retryPeriod(Duration retryPeriod) {
      this.retryPeriod = SettingValues.requireDuration(retryPeriod, "retryPeriod");
      return this;
    }

    /**
     * How long resign and close wait for the leader work to return, and close for busy
     * listeners, before going on (default 5 s). Zero means not at all.
     *
     * @throws IllegalArgumentException if negative or longer than one day
     */
    public Builder drainTimeout(Duration drainTimeout) {
      Objects.requireNonNull(drainTimeout, "drainTimeout");
      if (drainTimeout.isNegative()) {
        throw new IllegalArgumentException("drainTimeout must not be negative, got "
            + SettingValues.format(drainTimeout));
      }
      this.drainTimeout = SettingValues.requireAtMostMaxDuration(drainTimeout, "drainTimeout");
      return this;
    }

    /**
     * How long, after {@link LeaderElection#resign(String)}, the other candidates leave the
     * leadership to the named successor before any of them may take it (default: the retry
     * period P): the longest a wrong name can keep the election leaderless, plus the store's
     * handover bound. Stores that see at once that the name has no candidate do not wait.
     *
     * @throws IllegalArgumentException if zero, negative or longer than one day
     */
    public Builder handoverTimeout(Duration handoverTimeout) {
      this.handoverTimeout = SettingValues.requireDuration(handoverTimeout, "handoverTimeout");
      return this;
    }

    /**
     * This candidate's priority (default 0, the lowest): a higher one is preferred when several
     * candidates are free to lead. The candidate publishes it with its candidacy; then a leader
     * that resigns or closes hands over to the open candidate of the highest priority, and a
     * candidate that takes over (a failover, a release) hands over at once to an open one of a
     * higher priority than its own. A leader does not step down for priority alone unless it was
     * built with {@link #preemptAfter}. See docs/CONTROL.md for how each store keeps it.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder priority(int priority) {
      this.priority = SettingValues.requirePriority(priority, "priority");
      return this;
    }

    /**
     * Opts in to preemption (default: none): while this candidate leads, it hands over (as
     * {@link LeaderElection#resign(String)} does) to an open candidate of a higher priority than
     * its own once it has seen that candidate in the store for this long, so a preferred
     * candidate that came back leads again within this delay plus the retry period P and the
     * store's handover bound. It is the leader's policy: give it to every candidate that may
     * lead. Zero hands over at the first sight.
     *
     * @throws IllegalArgumentException if negative or longer than one day
     */
    public Builder preemptAfter(Duration preemptAfter) {
      Objects.requireNonNull(preemptAfter, "preemptAfter");
      if (preemptAfter.isNegative()) {
        throw new IllegalArgumentException("preemptAfter must not be negative, got "
            + SettingValues.format(preemptAfter));
      }
      this.preemptAfter = SettingValues.requireAtMostMaxDuration(preemptAfter, "preemptAfter");
      return this;
    }

    /** The monotonic clock of the deadlines (default {@link Ticker#system()}). */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * The executor that runs listeners. It must not run tasks on the calling thread. Default: a
     * small pool shared by all elections of the process, which adds a thread for each listener
     * that stays busy, so that a stuck listener does not hold up the others. An executor given
     * here is the caller's: it is not shut down on close.
     */
    public Builder notificationExecutor(Executor executor) {
      this.notificationExecutor = Objects.requireNonNull(executor, "notificationExecutor");
      return this;
    }

    /** Work to run while leading, as described in {@link LeaderTask}. */
    public Builder whileLeader(LeaderTask task) {
      this.leaderTask = Objects.requireNonNull(task, "whileLeader");
      return this;
    }

    /**
     * A synchronous recorder of every transition, as described in {@link TransitionRecorder};
     * the same as {@link LeaderElection#recordTransitions} before start.
     */
    public Builder transitionRecorder(TransitionRecorder recorder) {
      this.recorder = Objects.requireNonNull(recorder, "transitionRecorder");
      return this;
    }

    /**
     * Builds the election, not yet started.
     *
     * @throws IllegalStateException if no name was given
     * @throws IllegalArgumentException if the durations are not ordered {@code retryPeriod <
     *     renewDeadline < leaseDuration}, if the default identity (host name and suffix) breaks
     *     a limit, or if the backend refuses the settings; the message names the setting and
     *     the value
     */
    public LeaderElection build() {
      return engine(false);
    }

    /** The engine of a candidate, or of an observer (identity "observer-" + default). */
    Engine engine(boolean observing) {
      if (name == null) {
        throw new IllegalStateException("name is required: call name(...) before build()");
      }
      String id = identity != null ? identity
          : (observing ? "observer-" : "") + defaultIdentity();
      ElectionSettings settings = new ElectionSettings(name, id, leaseDuration, renewDeadline,
          retryPeriod, observing ? 0 : priority);
      backend.validate(settings);
      Engine engine = new Engine(settings, backend, ticker, notificationExecutor,
          observing ? null : leaderTask, drainTimeout, recorder, observing,
          handoverTimeout != null ? handoverTimeout : retryPeriod);
      return observing ? engine : engine.withPreference(preemptAfter);
    }
  }
}
