package io.github.election.campaign;

import io.github.election.spi.SettingValues;
import io.github.election.testing.Fault;
import io.github.election.testing.StoreHarness;
import io.github.election.testing.Timings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One campaign against one store: starts the store and the candidates, injects faults one after
 * another, drawn from a seeded random stream, records them in the history next to what the
 * candidates report, closes everything, and checks the history.
 *
 * <p>Each fault is drawn with everything it needs (kind, whether it aims at the leader, which
 * follower, how long it holds, how long the quiet after it lasts, whether the next fault waits
 * for a leader), so the same seed gives the same sequence of faults. The timing of the
 * processes is not replayed; a replay reproduces the schedule, not the interleaving.
 *
 * <p>After each fault the runner waits until some candidate leads again (at most D + P plus 2
 * s), then a short quiet time, unless the draw says back-to-back.
 */
final class CampaignRun {

  private static final Logger log = LoggerFactory.getLogger(CampaignRun.class);
  private static final double AIM_AT_LEADER = 0.7;
  /** Where the candidates' elections live in the store (base path, key prefix). */
  static final String BASE = "/campaign";

  /** What came out of one campaign. */
  record Result(String backend, CampaignSettings settings, Timings timings,
      Checker.Report report, List<Entry> history, Path historyFile, Duration elapsed,
      int injectionErrors, List<Fault> leftOut) {
  }

  private final CampaignSettings settings;
  private final Supplier<StoreHarness> storeFactory;
  private final String backend;
  private final History history = new History();
  private final List<Candidate> candidates = new ArrayList<>();
  private final Random random;
  private StoreHarness store;
  private Timings timings;
  private Path logDir;
  private String election;
  private int nextIdentity;
  private int incarnation;
  /** Priorities are drawn from 0 to this, less one. */
  static final int PRIORITIES = 4;
  /** Null unless the mix changes priorities: then every candidate preempts after this. */
  private Duration preemptAfter;
  private final java.util.Map<Candidate, Integer> priorities = new java.util.HashMap<>();
  private int injectionErrors;

  CampaignRun(String backend, Supplier<StoreHarness> storeFactory, CampaignSettings settings) {
    this.backend = backend;
    this.storeFactory = storeFactory;
    this.settings = settings;
    this.random = new Random(settings.seed());
  }

  Result run() {
    long begin = System.nanoTime();
    Thread hook = new Thread(this::destroyAll, "campaign-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    FaultMix mix;
    List<Fault> leftOut = new ArrayList<>();
    try {
      store = storeFactory.get();
      Set<Fault> injectable = injectable(store);
      for (Fault k : settings.mix().kinds()) {
        if (!injectable.contains(k)) {
          leftOut.add(k);
        }
      }
      mix = settings.mix().restrictedTo(injectable);
      timings = settings.lease() == null ? store.fastTimings()
          : new Timings(settings.lease(), settings.renew(), settings.retry(),
              store.fastTimings().handover());
      if (mix.kinds().contains(Fault.PRIORITY)) {
        // every candidate preempts, so that a priority change shows in who leads (rule K1)
        preemptAfter = timings.retryPeriod().multipliedBy(2);
      }
      logDir = settings.workDir().resolve("logs-" + backend);
      Files.createDirectories(logDir);
      try (var old = Files.list(logDir)) {
        for (Path f : (Iterable<Path>) old::iterator) {
          Files.deleteIfExists(f); // the logs of an earlier campaign
        }
      }
      election = "campaign-" + Long.toHexString(settings.seed());
      history.add(Entry.at(System.nanoTime(), Entry.RUNNER, "begin")
          .put("backend", backend)
          .put("seed", settings.seed())
          .put("mix", mix.toString())
          .put("leaseMs", timings.leaseDuration().toMillis())
          .put("renewMs", timings.renewDeadline().toMillis())
          .put("retryMs", timings.retryPeriod().toMillis())
          .put("graceMs", settings.expiryGrace().toMillis())
          .put("storeAllowanceMs", store.livenessAllowance().toMillis())
          .put("preemptMs", preemptAfter == null ? null : preemptAfter.toMillis())
          .put("handoverMs", timings.handover().toMillis())
          .build());
      log.info("{}: campaign of {} faults (seed {}, mix {}, D {} R {} P {})", backend,
          settings.faults(), settings.seed(), mix,
          SettingValues.format(timings.leaseDuration()),
          SettingValues.format(timings.renewDeadline()),
          SettingValues.format(timings.retryPeriod()));
      for (int i = 0; i < settings.candidates(); i++) {
        candidates.add(spawn(null, preemptAfter == null ? 0 : random.nextInt(PRIORITIES)));
      }
      if (!history.awaitLeader(System.nanoTime() + Duration.ofSeconds(60).toNanos())) {
        throw new IllegalStateException(backend + ": no candidate became leader within 60 s of "
            + "the start; see the candidates' logs in " + logDir);
      }
      if (!history.awaitAllKnown(System.nanoTime() + Duration.ofSeconds(60).toNanos())) {
        log.warn("{}: not every candidate heard from the store within 60 s of the start",
            backend);
      }
      long stopAt = settings.duration() == null ? Long.MAX_VALUE
          : System.nanoTime() + settings.duration().toNanos();
      for (int id = 1; id <= settings.faults() && System.nanoTime() - stopAt < 0; id++) {
        inject(id, mix);
        if (id % 10 == 0) {
          log.info("{}: {} faults injected, {} history entries", backend, id, history.size());
        }
      }
      history.add(Entry.at(System.nanoTime(), Entry.RUNNER, "closing").build());
      for (Candidate c : candidates) {
        c.close();
      }
      candidates.clear();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      keepHistory();
      throw new IllegalStateException("campaign interrupted", e);
    } catch (IOException e) {
      keepHistory();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      keepHistory();
      throw e;
    } finally {
      destroyAll();
      if (store != null) {
        store.close();
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down
      }
    }
    List<Entry> entries = history.entries();
    Path file = settings.historyOf(backend);
    history.write(file);
    Checker.Report report = Checker.check(entries, Checker.limitsOf(entries));
    return new Result(backend, settings, timings, report, entries, file,
        Duration.ofNanos(System.nanoTime() - begin), injectionErrors, leftOut);
  }

  /** Writes what the history holds so far, after a campaign that could not go on. */
  private void keepHistory() {
    Path file = settings.historyOf(backend);
    try {
      history.write(file);
      log.warn("{}: campaign stopped early; its history so far is in {}", backend, file);
    } catch (RuntimeException e) {
      log.warn("{}: cannot write the history: {}", backend, e.toString());
    }
  }

  private Candidate spawn(Candidate replaced) {
    return spawn(replaced, replaced == null ? 0 : priorities.getOrDefault(replaced, 0));
  }

  /** Starts a candidate of {@code priority} (preemptive when the mix changes priorities). */
  private Candidate spawn(Candidate replaced, int priority) {
    Candidate c = start(replaced, priority);
    priorities.put(c, priority);
    return c;
  }

  private Candidate start(Candidate replaced, int priority) {
    String identity;
    if (replaced != null && settings.reuseIdentity()) {
      identity = replaced.who().substring(0, replaced.who().indexOf('#'));
    } else {
      identity = "c" + (++nextIdentity);
    }
    String who = identity + "#" + (++incarnation);
    StoreHarness.Connection link = store.connect(true);
    try {
      Optional<URI> uri = link.uri(BASE, timings.leaseDuration());
      if (uri.isEmpty()) {
        return new LocalCandidate(who, identity, election, timings, store, link, history,
            priority, preemptAfter);
      }
      List<String> extra = new ArrayList<>(List.of("--direct", store.address(),
          "--priority", Integer.toString(priority)));
      if (preemptAfter != null) {
        extra.addAll(List.of("--preempt-after", SettingValues.format(preemptAfter)));
      }
      return new ChildCandidate(who, identity, election, uri.get().toString(), timings,
          extra, link.environment(), link, history,
          logDir.resolve(who.replace('#', '-') + ".log"));
    } catch (RuntimeException e) {
      link.close();
      throw e;
    }
  }

  /**
   * The faults of a campaign on this store: the store's own, the resignation, and the pause of
   * candidates that run in processes of their own (those of a store that other processes reach).
   */
  static Set<Fault> injectable(StoreHarness store) {
    Set<Fault> out = EnumSet.of(Fault.RESIGN, Fault.HANDOVER_TO, Fault.PRIORITY);
    out.addAll(store.faults());
    if (store.reachableFromOtherProcesses()) {
      out.add(Fault.PAUSE);
    }
    return out;
  }

  /** Draws one fault, injects it, heals it, and waits for a leader unless back-to-back. */
  private void inject(int id, FaultMix mix) throws InterruptedException {
    Fault kind = mix.draw(random);
    boolean atLeader = random.nextDouble() < AIM_AT_LEADER;
    int pick = random.nextInt(1 << 20);
    double holdFraction = random.nextDouble();
    double quietFraction = random.nextDouble();
    boolean backToBack = random.nextDouble() < settings.backToBack();

    long d = timings.leaseDuration().toNanos();
    long p = timings.retryPeriod().toNanos();
    Candidate target = target(kind == Fault.RESIGN || kind == Fault.HANDOVER_TO || atLeader,
        pick,
        kind == Fault.EXPIRE);
    String targetName = target.who();
    long hold;
    switch (kind) {
      case CUT:
        hold = (long) (d * (0.1 + 1.5 * holdFraction)); // some shorter than R, some beyond D
        break;
      case RESTART:
        hold = (long) (d * (0.2 + 1.0 * holdFraction));
        targetName = "store";
        break;
      case MEMBER:
        hold = d + p + (long) (d * 0.5 * holdFraction); // as the kit: down for D + P at least
        break;
      case PAUSE:
        hold = d + p + (long) (d * 0.5 * holdFraction); // frozen for longer than D
        break;
      case CRASH:
        hold = (long) (d * 0.5 * holdFraction); // before the replacement starts
        break;
      default:
        hold = 0;
    }
    if (kind == Fault.MEMBER) {
      targetName = "member";
    }
    Entry.Builder fault = Entry.at(System.nanoTime(), Entry.RUNNER, "fault")
        .put("id", id).put("fault", kind.option()).put("target", targetName)
        .put("holdMs", hold / 1_000_000L);
    String successor = null;
    if (kind == Fault.HANDOVER_TO) {
      successor = successorOf(target, pick, quietFraction); // no draw of its own: seeds replay
      fault.put("successor", successor);
    }
    int priority = (pick >> 8) % PRIORITIES; // no draw of its own either
    if (kind == Fault.PRIORITY) {
      fault.put("priority", priority);
    }
    try {
      switch (kind) {
        case CRASH:
          history.add(fault.build());
          target.kill();
          heal(id, kind, targetName);
          candidates.remove(target);
          history.holdUntil(System.nanoTime() + hold);
          candidates.add(spawn(target));
          break;
        case PRIORITY:
          // the candidate restarts at once with another priority; the election then has the
          // time K1 gives it before anything else happens
          history.add(fault.build());
          target.kill();
          heal(id, kind, targetName);
          candidates.remove(target);
          priorities.remove(target);
          candidates.add(spawn(target, priority));
          history.holdUntil(System.nanoTime() + priorityBound());
          break;
        case CUT:
          history.add(fault.build());
          try {
            target.cut();
            history.holdUntil(System.nanoTime() + hold);
          } finally {
            target.heal();
            heal(id, kind, targetName);
          }
          break;
        case PAUSE:
          history.add(fault.build());
          try {
            target.pause();
            history.holdUntil(System.nanoTime() + hold);
          } finally {
            long resumed = System.nanoTime();
            target.resume();
            heal(id, kind, targetName);
            // its views ran out while it was frozen: let it say so before anything else
            // happens to it (a kill right now would lose the lines it is about to write)
            history.awaitTransition(target.who(), resumed,
                resumed + Duration.ofSeconds(5).toNanos());
          }
          break;
        case EXPIRE:
        case RESIGN:
        case HANDOVER_TO:
          long injected = System.nanoTime();
          history.add(fault.build());
          try {
            if (kind == Fault.EXPIRE) {
              target.expire();
            } else if (kind == Fault.HANDOVER_TO) {
              target.resign(successor);
            } else {
              target.resign();
            }
          } finally {
            heal(id, kind, targetName);
          }
          if (kind == Fault.EXPIRE) {
            // let it notice before it is chosen again (a second expiry of a session it is still
            // replacing has nothing to end)
            history.awaitTransition(target.who(), injected,
                injected + timings.renewDeadline().toNanos());
          }
          break;
        case RESTART:
          history.add(fault.build());
          try {
            store.stopStore();
            history.holdUntil(System.nanoTime() + hold);
          } finally {
            store.startStore();
            heal(id, kind, targetName);
          }
          break;
        case MEMBER:
          history.add(fault.put("member", store.loseMember(pick)).build());
          try {
            history.holdUntil(System.nanoTime() + hold);
          } finally {
            store.restoreMember();
            heal(id, kind, targetName);
          }
          break;
        default:
          throw new AssertionError(kind);
      }
    } catch (RuntimeException e) {
      injectionErrors++;
      log.warn("{}: fault {} ({} {}) could not be injected as drawn: {}", backend, id,
          kind.option(), targetName, e.toString());
      history.add(Entry.at(System.nanoTime(), Entry.RUNNER, "error").put("id", id)
          .put("fault", kind.option()).put("error", e.toString()).build());
    }
    if (!backToBack) {
      history.awaitLeader(System.nanoTime() + timings.electionBound().toNanos()
          + Duration.ofSeconds(2).toNanos());
      history.holdUntil(System.nanoTime() + (long) (p * quietFraction));
    }
  }

  /**
   * How long after a priority change the election may take to have the candidate of the highest
   * priority lead (rule K1 of the checker): a new JVM's start and its first answer (D + P, as F4
   * allows a newcomer), then the preemption delay, P and three handover bounds, and the store's
   * allowance.
   */
  private long priorityBound() {
    return Checker.priorityBound(timings.leaseDuration().plus(timings.retryPeriod()).toNanos(),
        store.livenessAllowance().toNanos(), preemptAfter.toNanos(),
        timings.retryPeriod().toNanos(), timings.handover().toNanos());
  }

  private void heal(int id, Fault kind, String target) {
    history.add(Entry.at(System.nanoTime(), Entry.RUNNER, "heal").put("id", id)
        .put("fault", kind.option()).put("target", target).build());
  }

  /**
   * The leader if aimed at and known, else one of the others, chosen by {@code pick}: one that
   * has heard from the store if any (a replacement that is still starting has no session yet).
   * A fault that needs a session falls back to the leader when no other has one.
   */
  /**
   * The identity a handover goes to: another live candidate's, or (a fifth of the time, or
   * when there is no other) a name that no candidate has.
   */
  private String successorOf(Candidate leader, int pick, double chance) {
    List<String> others = new ArrayList<>();
    for (Candidate c : candidates) {
      String identity = c.who().substring(0, c.who().indexOf('#'));
      if (c != leader && !identity.equals(leader.who().substring(0, leader.who().indexOf('#')))) {
        others.add(identity);
      }
    }
    if (others.isEmpty() || chance < 0.2) {
      return "nobody-" + pick;
    }
    return others.get(Math.floorMod(pick >> 3, others.size()));
  }

  private Candidate target(boolean atLeader, int pick, boolean needsSession) {
    List<String> leaders = history.leaders();
    List<String> known = history.known();
    if (needsSession && !atLeader) {
      List<Candidate> knownOnes = new ArrayList<>();
      for (Candidate c : candidates) {
        if (known.contains(c.who()) && !leaders.contains(c.who())) {
          knownOnes.add(c);
        }
      }
      if (knownOnes.isEmpty()) {
        atLeader = true; // the leader has one for sure
      }
    }
    List<Candidate> others = new ArrayList<>();
    List<Candidate> knownOthers = new ArrayList<>();
    for (Candidate c : candidates) {
      if (atLeader && leaders.contains(c.who())) {
        return c;
      }
      if (!leaders.contains(c.who())) {
        others.add(c);
        if (known.contains(c.who())) {
          knownOthers.add(c);
        }
      }
    }
    List<Candidate> choice = !knownOthers.isEmpty() ? knownOthers
        : !others.isEmpty() ? others : candidates;
    return choice.get(Math.floorMod(pick, choice.size()));
  }

  private void destroyAll() {
    for (Candidate c : new ArrayList<>(candidates)) {
      if (c instanceof ChildCandidate) {
        ((ChildCandidate) c).destroy();
      } else {
        try {
          c.close();
        } catch (RuntimeException e) {
          log.warn("closing {} failed: {}", c, e.toString());
        }
      }
    }
    candidates.clear();
  }
}
