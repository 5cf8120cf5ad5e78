package io.github.election.memory;

import io.github.election.Ticker;
import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.LeaderInfo;
import io.github.election.spi.Observation;
import io.github.election.spi.Onlooker;
import io.github.election.spi.OpenCandidate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A coordination store in memory, for tests: the kit's reference backend, and a fast,
 * deterministic stand-in for a real store when you unit-test code that depends on leadership.
 *
 * <pre>{@code
 * InMemoryElectionStore store = new InMemoryElectionStore();
 * try (ElectionBackend a = store.connect(); ElectionBackend b = store.connect();
 *      LeaderElection first = LeaderElection.builder(a).name("jobs").identity("a").build();
 *      LeaderElection second = LeaderElection.builder(b).name("jobs").identity("b").build()) {
 *   first.start();
 *   second.start();
 *   store.crash(a);   // a's lease is left to run out, as if its process had died
 * }
 * }</pre>
 *
 * <p><b>Model.</b> Like ZooKeeper's and etcd's election recipes: each candidate of an election
 * holds a record with a lease of the election's lease duration D, renewed by each of its
 * polls; records are ordered by a store-wide revision counter that only grows; the oldest live
 * record leads, and its revision is the term. A record whose lease ran out (on the store's
 * {@link Ticker}) is removed and the others are told at once, as a watch would. Each {@link
 * #connect()} is an independent client; the fault methods act on one client or on the whole
 * store.
 *
 * <p>Thread-safe. A store has no threads of its own: expiry is noticed when a client talks to
 * it, which the candidates do every retry period.
 */
public final class InMemoryElectionStore {

  private static final Map<String, InMemoryElectionStore> NAMED = new ConcurrentHashMap<>();

  private final Ticker ticker;
  private final Object lock = new Object();
  private final Map<String, List<Record>> elections = new HashMap<>();
  private final Map<String, List<Watch>> watches = new HashMap<>();
  private long revision;
  private boolean stopped;

  /** A store on the system's monotonic clock. */
  public InMemoryElectionStore() {
    this(Ticker.system());
  }

  /** A store whose leases run out on the given clock. */
  public InMemoryElectionStore(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  /**
   * The store of this name in this class loader, made on first use: what {@code memory://NAME}
   * URIs of {@code ElectionBackends.open} connect to.
   */
  public static InMemoryElectionStore named(String name) {
    return NAMED.computeIfAbsent(Objects.requireNonNull(name, "name"),
        n -> new InMemoryElectionStore());
  }

  /** A new, independent client of this store. */
  public ElectionBackend connect() {
    return new Client(this);
  }

  // ------------------------------------------------------------------ faults

  /**
   * The client stops as a crashed process would: its requests fail from now on, and its
   * records stay until their leases run out.
   */
  public void crash(ElectionBackend client) {
    Client c = own(client);
    synchronized (lock) {
      c.crashed = true;
    }
  }

  /** The client's network is cut: its requests fail and it hears no changes until {@link #heal}. */
  public void cut(ElectionBackend client) {
    Client c = own(client);
    synchronized (lock) {
      c.cut = true;
    }
  }

  /** Undoes {@link #cut}: the client is told to look at the store again. */
  public void heal(ElectionBackend client) {
    Client c = own(client);
    List<CandidateContext> toTell;
    synchronized (lock) {
      c.cut = false;
      toTell = new ArrayList<>(c.contexts());
    }
    toTell.forEach(CandidateContext::changed);
  }

  /** Ends the client's leases now, as if they had run out: its records disappear. */
  public void expire(ElectionBackend client) {
    Client c = own(client);
    List<CandidateContext> toTell = new ArrayList<>();
    synchronized (lock) {
      for (Map.Entry<String, List<Record>> e : elections.entrySet()) {
        if (e.getValue().removeIf(r -> r.client == c)) {
          toTell.addAll(watchersOf(e.getKey()));
        }
      }
    }
    toTell.forEach(CandidateContext::changed);
  }

  /** Stops the store: every request fails until {@link #start()}. Records are kept. */
  public void stop() {
    synchronized (lock) {
      stopped = true;
    }
  }

  /**
   * Starts the store after {@link #stop()}. Every lease starts anew, as etcd's do when a new
   * leader takes over, and every client is told to look again.
   */
  public void start() {
    List<CandidateContext> toTell = new ArrayList<>();
    synchronized (lock) {
      stopped = false;
      long now = ticker.read();
      elections.values().forEach(records -> records.forEach(r -> r.renewedAt = now));
      watches.values().forEach(list -> list.forEach(w -> {
        if (w.client.reachable()) {
          toTell.add(w.context);
        }
      }));
    }
    toTell.forEach(CandidateContext::changed);
  }

  /** The identity of the current leader of an election, looking at the store directly. */
  public Optional<String> leaderOf(String election) {
    List<CandidateContext> toTell = new ArrayList<>();
    try {
      synchronized (lock) {
        Record r = sweep(election, toTell);
        return Optional.ofNullable(r == null ? null : r.identity);
      }
    } finally {
      toTell.forEach(CandidateContext::changed);
    }
  }

  /** How many candidates' records an election has in the store now (expired ones removed first). */
  public int recordCount(String election) {
    List<CandidateContext> toTell = new ArrayList<>();
    try {
      synchronized (lock) {
        sweep(election, toTell);
        return elections.get(election).size();
      }
    } finally {
      toTell.forEach(CandidateContext::changed);
    }
  }

  private Client own(ElectionBackend client) {
    if (!(client instanceof Client) || ((Client) client).store != this) {
      throw new IllegalArgumentException("not a client of this store: " + client);
    }
    return (Client) client;
  }

  // ------------------------------------------------------------------ the store's operations

  /** Removes expired records; returns the leader, adding watchers to tell if it changed. Holds lock. */
  private Record sweep(String election, List<CandidateContext> toTell) {
    List<Record> records = elections.computeIfAbsent(election, k -> new ArrayList<>());
    Record before = records.isEmpty() ? null : records.get(0);
    long now = ticker.read();
    records.removeIf(r -> now - r.renewedAt >= r.leaseNanos);
    Record after = records.isEmpty() ? null : records.get(0);
    if (before != after) {
      toTell.addAll(watchersOf(election));
    }
    markLeader(after);
    return after;
  }

  private static void markLeader(Record leader) {
    if (leader != null && leader.since == null) {
      leader.since = java.time.Instant.now();
    }
  }

  private List<CandidateContext> watchersOf(String election) {
    List<CandidateContext> out = new ArrayList<>();
    for (Watch w : watches.getOrDefault(election, List.of())) {
      if (w.client.reachable()) {
        out.add(w.context);
      }
    }
    return out;
  }

  private CompletionStage<Observation> poll(Member m) {
    List<CandidateContext> toTell = new ArrayList<>();
    Observation result;
    synchronized (lock) {
      Optional<String> refusal = refusal(m.client);
      if (refusal.isPresent()) {
        return CompletableFuture.failedFuture(new IllegalStateException(refusal.get()));
      }
      String election = m.context.settings().name();
      Record leader = sweep(election, toTell);
      List<Record> records = elections.get(election);
      Record own = m.record;
      if (own == null || !records.contains(own)) {
        own = new Record(m.client, m.context.settings().identity(), ++revision,
            m.context.settings().leaseDuration().toNanos(), ticker.read(),
            m.context.settings().priority());
        m.record = own;
        records.add(own);
        if (leader == null) {
          leader = own;
          toTell.addAll(watchersOf(election));
        }
      }
      own.renewedAt = ticker.read();
      markLeader(leader);
      result = leader == own ? Observation.leading(own.revision)
          : Observation.following(leader.identity, leader.revision);
    }
    toTell.forEach(CandidateContext::changed);
    return CompletableFuture.completedFuture(result);
  }

  private CompletionStage<Void> release(Member m, boolean leave) {
    return release(m, leave, null);
  }

  /**
   * Releases (and, with {@code leave}, leaves). With a successor whose record is behind this
   * leader's, the records in between go too, in the same step, so that the successor's is the
   * first: their candidates enrol again at the back at their next poll, as they would in
   * ZooKeeper or etcd (docs/CONTROL.md).
   */
  private CompletionStage<Void> release(Member m, boolean leave, String successor) {
    List<CandidateContext> toTell = new ArrayList<>();
    synchronized (lock) {
      if (leave) {
        List<Watch> list = watches.get(m.context.settings().name());
        if (list != null) {
          list.removeIf(w -> w.context == m.context);
        }
        m.client.members.remove(m);
      }
      Optional<String> refusal = refusal(m.client);
      if (refusal.isPresent()) {
        return CompletableFuture.failedFuture(new IllegalStateException(refusal.get()));
      }
      String election = m.context.settings().name();
      Record before = sweep(election, toTell);
      List<Record> records = elections.get(election);
      if (m.record != null && (leave || before == m.record)) {
        if (successor != null && before == m.record) {
          int to = -1;
          for (int i = 1; i < records.size() && to < 0; i++) {
            if (records.get(i).identity.equals(successor)) {
              to = i;
            }
          }
          if (to > 1) {
            records.subList(1, to).clear();
          }
        }
        records.remove(m.record);
        m.record = null;
        if (!leave) {
          // stay a candidate, behind every other one (C2)
          m.record = new Record(m.client, m.context.settings().identity(), ++revision,
              m.context.settings().leaseDuration().toNanos(), ticker.read(),
              m.context.settings().priority());
          records.add(m.record);
        }
      }
      Record after = records.isEmpty() ? null : records.get(0);
      if (after != before) {
        toTell.addAll(watchersOf(election));
      }
      markLeader(after);
    }
    toTell.forEach(CandidateContext::changed);
    return CompletableFuture.completedFuture(null);
  }

  private Optional<String> refusal(Client c) {
    if (c.closed) {
      return Optional.of("client closed");
    }
    if (c.crashed) {
      return Optional.of("client crashed");
    }
    if (c.cut) {
      return Optional.of("network cut");
    }
    if (stopped) {
      return Optional.of("store stopped");
    }
    return Optional.empty();
  }

  private static final class Record {
    final Client client;
    final String identity;
    final long revision;
    final long leaseNanos;
    final int priority;
    java.time.Instant since; // when it became the leader
    long renewedAt;

    Record(Client client, String identity, long revision, long leaseNanos, long renewedAt,
        int priority) {
      this.client = client;
      this.priority = priority;
      this.identity = identity;
      this.revision = revision;
      this.leaseNanos = leaseNanos;
      this.renewedAt = renewedAt;
    }
  }

  private static final class Watch {
    final Client client;
    final CandidateContext context;

    Watch(Client client, CandidateContext context) {
      this.client = client;
      this.context = context;
    }
  }

  /** One client of the store. */
  private static final class Client implements ElectionBackend {
    final InMemoryElectionStore store;
    final Map<Member, Boolean> members = new LinkedHashMap<>();
    boolean crashed; // guarded by store.lock
    boolean cut; // guarded by store.lock
    boolean closed; // guarded by store.lock

    Client(InMemoryElectionStore store) {
      this.store = store;
    }

    boolean reachable() {
      return !crashed && !cut && !closed && !store.stopped;
    }

    List<CandidateContext> contexts() {
      List<CandidateContext> out = new ArrayList<>();
      members.keySet().forEach(m -> out.add(m.context));
      return out;
    }

    @Override
    public String name() {
      return "memory";
    }

    @Override
    public Candidate join(CandidateContext context) {
      synchronized (store.lock) {
        if (closed) {
          throw new IllegalStateException("in-memory client closed");
        }
        Member m = new Member(this, context);
        members.put(m, Boolean.TRUE);
        store.watches.computeIfAbsent(context.settings().name(), k -> new ArrayList<>())
            .add(new Watch(this, context));
        return m;
      }
    }

    /** An observer: {@link #inspect} rounds, told of changes by the store's watch list. */
    @Override
    public Candidate observe(CandidateContext context) {
      Watch watch = new Watch(this, context);
      String election = context.settings().name();
      synchronized (store.lock) {
        if (closed) {
          throw new IllegalStateException("in-memory client closed");
        }
        store.watches.computeIfAbsent(election, k -> new ArrayList<>()).add(watch);
      }
      return new Onlooker(this, context, () -> { }, () -> {
        synchronized (store.lock) {
          List<Watch> list = store.watches.get(election);
          if (list != null) {
            list.remove(watch);
          }
        }
      });
    }

    @Override
    public CompletionStage<LeaderInfo> inspect(String election) {
      List<CandidateContext> toTell = new ArrayList<>();
      LeaderInfo info;
      synchronized (store.lock) {
        Optional<String> refusal = store.refusal(this);
        if (refusal.isPresent()) {
          return CompletableFuture.failedFuture(new IllegalStateException(refusal.get()));
        }
        Record leader = store.sweep(election, toTell);
        info = leader == null ? new LeaderInfo(election, null, 0, null)
            : new LeaderInfo(election, leader.identity, leader.revision, leader.since);
      }
      toTell.forEach(CandidateContext::changed);
      return CompletableFuture.completedFuture(info);
    }

    /** The live records of the election, oldest (the leader) first, with their priorities. */
    @Override
    public CompletionStage<List<OpenCandidate>> candidates(String election) {
      List<CandidateContext> toTell = new ArrayList<>();
      List<OpenCandidate> out = new ArrayList<>();
      synchronized (store.lock) {
        Optional<String> refusal = store.refusal(this);
        if (refusal.isPresent()) {
          return CompletableFuture.failedFuture(new IllegalStateException(refusal.get()));
        }
        store.sweep(election, toTell);
        for (Record r : store.elections.getOrDefault(election, List.of())) {
          out.add(new OpenCandidate(r.identity, r.priority));
        }
      }
      toTell.forEach(CandidateContext::changed);
      return CompletableFuture.completedFuture(out);
    }

    @Override
    public void close() {
      synchronized (store.lock) {
        if (closed) {
          return;
        }
        closed = true;
        for (Iterator<List<Watch>> it = store.watches.values().iterator(); it.hasNext(); ) {
          List<Watch> list = it.next();
          list.removeIf(w -> w.client == this);
        }
        members.clear();
      }
    }

    @Override
    public String toString() {
      return "InMemoryClient@" + Integer.toHexString(System.identityHashCode(this));
    }
  }

  /** One candidate of one client. */
  private static final class Member implements Candidate {
    final Client client;
    final CandidateContext context;
    Record record; // guarded by store.lock

    Member(Client client, CandidateContext context) {
      this.client = client;
      this.context = context;
    }

    @Override
    public CompletionStage<Observation> poll() {
      return client.store.poll(this);
    }

    @Override
    public CompletionStage<Void> release() {
      return client.store.release(this, false);
    }

    @Override
    public CompletionStage<Void> handOver(String successor, java.time.Duration timeout) {
      return client.store.release(this, false, successor);
    }

    @Override
    public CompletionStage<Void> leave() {
      return client.store.release(this, true);
    }
  }

  /** Describes the store for logs. */
  @Override
  public String toString() {
    synchronized (lock) {
      return "InMemoryElectionStore{elections=" + elections.keySet() + ", revision=" + revision
          + (stopped ? ", stopped" : "") + "}";
    }
  }

}
