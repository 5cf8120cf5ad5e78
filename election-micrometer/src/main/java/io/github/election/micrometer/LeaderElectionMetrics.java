package io.github.election.micrometer;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.LeadershipState;
import io.github.election.StoreRound;
import io.github.election.Subscription;
import io.github.election.Ticker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters of one or many {@link LeaderElection}s, tagged {@code election} with each
 * election's name (plus the common tags given):
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code election.state}</td><td>gauge</td><td>{@code state}
 *       ({@code leader}, {@code follower}, {@code unknown})</td>
 *       <td>1 for the candidate's current state, 0 for the others</td></tr>
 *   <tr><td>{@code election.term}</td><td>gauge</td><td></td>
 *       <td>the term of the leader this candidate knows of, 0 when none</td></tr>
 *   <tr><td>{@code election.transitions}</td><td>counter</td><td>{@code from}, {@code to}
 *       (states)</td><td>changes of the view: state, leader or term (a new leader within
 *       {@code follower} counts as {@code follower} to {@code follower})</td></tr>
 *   <tr><td>{@code election.rounds}</td><td>timer</td><td>{@code outcome} (see {@link
 *       StoreRound.Outcome}, lower case)</td><td>the latency of each round with the store</td></tr>
 *   <tr><td>{@code election.rounds.failed}</td><td>counter</td><td>{@code cause} ({@code
 *       unknown}, {@code timeout}, {@code error}, {@code late}), {@code exception} (the simple
 *       class name, {@code none} when the store answered)</td><td>rounds that gave no usable
 *       answer</td></tr>
 *   <tr><td>{@code election.leadership.confirmation.age}</td><td>gauge, seconds</td><td></td>
 *       <td>while leader, the time since the send time of the round that last confirmed the
 *       leadership (leadership lapses when it reaches the renew deadline); NaN otherwise</td></tr>
 *   <tr><td>{@code election.leadership}</td><td>timer</td><td></td><td>how long each
 *       leadership period of this candidate lasted, recorded when it ends</td></tr>
 * </table>
 *
 * <p>The counters and timers are fed by {@linkplain LeaderElection#recordTransitions transition}
 * and {@linkplain LeaderElection#recordRounds round} recorders that {@link #bindTo} adds to each
 * election, so they see every transition and round after the binding, without coalescing; bind
 * before {@link LeaderElection#start()} to see all of them. Times are differences of readings of
 * the elections' {@link Ticker}: give the binder the same ticker as the elections when they do
 * not use the system's.
 *
 * <p>Each election's name must be unique within one binder (meters of two candidates of one
 * election in one registry would be the same meters). {@link #close()} removes the meters from
 * the registries and the recorders from the elections. Thread-safe.
 */
public final class LeaderElectionMetrics implements MeterBinder, AutoCloseable {

  private final List<LeaderElection> elections;
  private final Tags tags;
  private final Ticker ticker;
  private final List<Bound> bound = new ArrayList<>();
  private boolean closed;

  /**
   * Metrics of the given elections, on the system's ticker, without common tags.
   *
   * @throws IllegalArgumentException if two elections have the same name
   */
  public static LeaderElectionMetrics of(LeaderElection... elections) {
    return new LeaderElectionMetrics(List.of(elections), Tags.empty(), Ticker.system());
  }

  /**
   * Metrics of the given elections.
   *
   * @param elections the elections, whose names must be distinct
   * @param tags tags added to every meter
   * @param ticker the clock the elections run on ({@link Ticker#system()} unless a builder was
   *     given another)
   * @throws IllegalArgumentException if two elections have the same name
   */
  public LeaderElectionMetrics(Iterable<? extends LeaderElection> elections, Iterable<Tag> tags,
      Ticker ticker) {
    Objects.requireNonNull(elections, "elections");
    List<LeaderElection> list = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (LeaderElection e : elections) {
      Objects.requireNonNull(e, "elections contains null");
      if (!names.add(e.name())) {
        throw new IllegalArgumentException("elections holds two candidates of election '"
            + e.name() + "'; their meters would be the same: bind them to different registries"
            + " or with a distinguishing common tag in separate binders");
      }
      list.add(e);
    }
    this.elections = List.copyOf(list);
    this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  /**
   * Registers the meters of every election in {@code registry} and starts recording their
   * transitions and rounds into it.
   *
   * @throws IllegalStateException if this binder was closed
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    synchronized (bound) {
      if (closed) {
        throw new IllegalStateException("LeaderElectionMetrics was closed");
      }
      for (LeaderElection e : elections) {
        bound.add(new Bound(e, registry, tags.and("election", e.name()), ticker));
      }
    }
  }

  /** Stops recording and removes every meter this binder registered. Idempotent. */
  @Override
  public void close() {
    synchronized (bound) {
      closed = true;
      bound.forEach(Bound::close);
      bound.clear();
    }
  }

  /** The lower-case tag value of a state. */
  static String tagValue(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  /** One election's meters in one registry, and the recorders that feed them. */
  private static final class Bound {

    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private final Map<LeadershipState, Map<LeadershipState, Counter>> transitions =
        new EnumMap<>(LeadershipState.class);
    private final Map<StoreRound.Outcome, Timer> rounds = new EnumMap<>(StoreRound.Outcome.class);
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();
    private final Timer leadership;
    private final Subscription transitionRecording;
    private final Subscription roundRecording;

    // written by the recorders (under the election's lock), read by the gauges
    private final Object lock = new Object();
    private long leaderSince;
    private long leaderTerm = LeadershipEvent.NO_TERM; // NO_TERM: not leading
    private boolean confirmed;
    private long confirmedAt;

    Bound(LeaderElection election, MeterRegistry registry, Tags tags, Ticker ticker) {
      this.registry = registry;
      this.tags = tags;
      for (LeadershipState state : LeadershipState.values()) {
        meters.add(Gauge.builder("election.state", election, e -> e.state() == state ? 1 : 0)
            .tags(tags).tag("state", tagValue(state)).strongReference(true)
            .description("1 for the candidate's current state, 0 for the others")
            .register(registry));
        Map<LeadershipState, Counter> to = new EnumMap<>(LeadershipState.class);
        for (LeadershipState next : LeadershipState.values()) {
          to.put(next, add(Counter.builder("election.transitions").tags(tags)
              .tag("from", tagValue(state)).tag("to", tagValue(next))
              .description("changes of the candidate's view: state, leader or term")
              .register(registry)));
        }
        transitions.put(state, to);
      }
      meters.add(Gauge.builder("election.term", election, e -> e.current().term())
          .tags(tags).strongReference(true)
          .description("the term of the leader the candidate knows of, 0 when none")
          .register(registry));
      for (StoreRound.Outcome outcome : StoreRound.Outcome.values()) {
        rounds.put(outcome, add(Timer.builder("election.rounds").tags(tags)
            .tag("outcome", tagValue(outcome))
            .description("the latency of each round of the candidate with its store")
            .register(registry)));
      }
      meters.add(Gauge.builder("election.leadership.confirmation.age", this,
              b -> b.confirmationAge(election, ticker))
          .tags(tags).baseUnit("seconds").strongReference(true)
          .description("while leader, the time since the round that last confirmed the"
              + " leadership was sent; NaN otherwise")
          .register(registry));
      leadership = add(Timer.builder("election.leadership").tags(tags)
          .description("how long each leadership period of the candidate lasted")
          .register(registry));

      transitionRecording = election.recordTransitions(this::transition);
      roundRecording = election.recordRounds(this::round);
      LeadershipEvent now = election.current();
      synchronized (lock) {
        if (leaderTerm == LeadershipEvent.NO_TERM && now.isLeader()) {
          // bound during a leadership period: it began at the view's since
          leaderSince = now.sinceNanos();
          leaderTerm = now.term();
        }
      }
    }

    private <M extends Meter> M add(M meter) {
      meters.add(meter);
      if (closed) {
        registry.remove(meter); // made by a recorder call that was under way at close()
      }
      return meter;
    }

    private void transition(LeadershipEvent previous, LeadershipEvent next) {
      transitions.get(previous.state()).get(next.state()).increment();
      synchronized (lock) {
        boolean samePeriod = next.isLeader() && next.term() == leaderTerm;
        if (leaderTerm != LeadershipEvent.NO_TERM && !samePeriod) {
          leadership.record(Math.max(0, next.sinceNanos() - leaderSince), TimeUnit.NANOSECONDS);
          leaderTerm = LeadershipEvent.NO_TERM;
          confirmed = false;
        }
        if (next.isLeader() && !samePeriod) {
          leaderSince = next.sinceNanos();
          leaderTerm = next.term();
        }
      }
    }

    private void round(StoreRound round) {
      rounds.get(round.outcome()).record(round.latencyNanos(), TimeUnit.NANOSECONDS);
      if (round.failed()) {
        String exception = round.error().map(t -> t.getClass().getSimpleName()).orElse("none");
        failures.computeIfAbsent(tagValue(round.outcome()) + "/" + exception,
            k -> add(Counter.builder("election.rounds.failed").tags(tags)
                .tag("cause", tagValue(round.outcome())).tag("exception", exception)
                .description("rounds of the candidate with its store that gave no usable answer")
                .register(registry))).increment();
      } else if (round.outcome() == StoreRound.Outcome.LEADING) {
        synchronized (lock) {
          confirmed = true;
          confirmedAt = round.sentNanos();
        }
      }
    }

    private double confirmationAge(LeaderElection election, Ticker ticker) {
      long at;
      synchronized (lock) {
        if (!confirmed) {
          return Double.NaN;
        }
        at = confirmedAt;
      }
      if (!election.isLeader()) {
        return Double.NaN;
      }
      return (ticker.read() - at) / 1e9;
    }

    void close() {
      closed = true;
      transitionRecording.close();
      roundRecording.close();
      meters.forEach(registry::remove);
    }
  }
}
