package io.github.election.campaign;

import io.github.election.spi.ElectionSettings;
import io.github.election.spi.SettingValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The settings of a campaign, as the command line gives them. Immutable.
 *
 * @param backends the stores to run against, in order
 * @param faults how many faults to inject per backend
 * @param duration how long to inject faults per backend at most, or null for no limit
 * @param seed the seed of every random choice
 * @param mix how often each fault is drawn
 * @param candidates how many candidates run at once (at least 3)
 * @param lease D, or null for the store's own
 * @param renew R, or null for the store's own
 * @param retry P, or null for the store's own
 * @param history where the history goes; {@code {backend}} in it is replaced by the backend
 * @param workDir where the candidates' logs go
 * @param backToBack the chance that a fault follows the previous one without waiting for a leader
 * @param expiryGrace how long an overlap after a forced expiry is tolerated (see {@link Checker})
 * @param reuseIdentity whether a crashed candidate comes back with the same identity
 */
record CampaignSettings(List<String> backends, int faults, Duration duration, long seed,
    FaultMix mix, int candidates, Duration lease, Duration renew, Duration retry, Path history,
    Path workDir, double backToBack, Duration expiryGrace, boolean reuseIdentity) {

  /** Every backend the campaign knows, in the order "all" runs them. */
  static final List<String> BACKENDS = List.of("memory", "zookeeper", "etcd", "kubernetes",
      "postgresql");

  static final String USAGE = String.join("\n",
      "usage: campaign [options]",
      "  --backend NAMES      comma-separated, or all (default all): " + String.join(", ", BACKENDS),
      "  --faults N           faults per backend (default 200; with --duration alone: no limit)",
      "  --duration D         stop injecting after D per backend (30m, 90s; default: no limit)",
      "  --seed S             seed of every random choice (default: a random one, printed)",
      "  --mix K=W,...        fault weights (default " + FaultMix.DEFAULT + ")",
      "  --candidates N       candidates at once, at least 3 (default 3)",
      "  --lease D --renew R --retry P   timings (default: each store's own)",
      "  --history FILE       history file; {backend} is replaced (default",
      "                       target/campaign/history-{backend}.jsonl)",
      "  --work-dir DIR       candidates' logs (default target/campaign)",
      "  --back-to-back X     chance that a fault does not wait for a leader (default 0.2)",
      "  --expiry-grace D     overlap tolerated right after a forced expiry (default 500ms)",
      "  --reuse-identity     a crashed candidate comes back with the same identity",
      "  --check FILE         (alone) check a history file written before, with its settings");

  CampaignSettings {
    Objects.requireNonNull(backends, "backends");
    Objects.requireNonNull(mix, "mix");
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(workDir, "workDir");
    if (faults < 1) {
      throw new IllegalArgumentException("faults must be at least 1, got " + faults);
    }
    if (candidates < 3) {
      throw new IllegalArgumentException("candidates must be at least 3, got " + candidates);
    }
    if (backToBack < 0 || backToBack > 1) {
      throw new IllegalArgumentException("back-to-back must be between 0 and 1, got "
          + backToBack);
    }
    if (lease != null) {
      new ElectionSettings("campaign", "campaign", lease, renew, retry); // P < R < D
    }
  }

  /** The defaults, for tests to vary. */
  static CampaignSettings defaults() {
    return new CampaignSettings(BACKENDS, 200, null, ThreadLocalRandom.current().nextLong(1, 1L << 40),
        FaultMix.parse(FaultMix.DEFAULT), 3, null, null, null,
        Path.of("target", "campaign", "history-{backend}.jsonl"), Path.of("target", "campaign"),
        0.2, Duration.ofMillis(500), false);
  }

  /**
   * Reads the command line.
   *
   * @throws IllegalArgumentException naming the option and the value that is wrong
   */
  static CampaignSettings parse(String[] args) {
    CampaignSettings s = defaults();
    List<String> backends = s.backends;
    long faults = -1;
    Duration duration = s.duration;
    long seed = s.seed;
    FaultMix mix = s.mix;
    int candidates = s.candidates;
    Duration lease = null;
    Duration renew = null;
    Duration retry = null;
    Path history = s.history;
    Path workDir = s.workDir;
    double backToBack = s.backToBack;
    Duration grace = s.expiryGrace;
    boolean reuse = false;
    for (int i = 0; i < args.length; i++) {
      String opt = args[i];
      if (opt.equals("--reuse-identity")) {
        reuse = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + opt + " needs a value");
      }
      String v = args[++i];
      switch (opt) {
        case "--backend":
          backends = backends(v);
          break;
        case "--faults":
          faults = integer(opt, v);
          if (faults < 1) {
            throw new IllegalArgumentException("--faults must be at least 1, got " + faults);
          }
          break;
        case "--duration":
          duration = SettingValues.parseDuration(v, "duration");
          break;
        case "--seed":
          seed = integer(opt, v);
          break;
        case "--mix":
          mix = FaultMix.parse(v);
          break;
        case "--candidates":
          candidates = (int) integer(opt, v);
          break;
        case "--lease":
          lease = SettingValues.parseDuration(v, "lease");
          break;
        case "--renew":
          renew = SettingValues.parseDuration(v, "renew");
          break;
        case "--retry":
          retry = SettingValues.parseDuration(v, "retry");
          break;
        case "--history":
          history = Path.of(v);
          break;
        case "--work-dir":
          workDir = Path.of(v);
          break;
        case "--back-to-back":
          try {
            backToBack = Double.parseDouble(v);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--back-to-back must be a number, got '" + v + "'");
          }
          break;
        case "--expiry-grace":
          grace = SettingValues.parseDuration(v, "expiry-grace");
          break;
        default:
          throw new IllegalArgumentException("unknown option '" + opt + "'\n" + USAGE);
      }
    }
    if ((lease == null) != (renew == null) || (lease == null) != (retry == null)) {
      throw new IllegalArgumentException("--lease, --renew and --retry go together");
    }
    if (faults < 0) {
      faults = duration == null ? s.faults : Integer.MAX_VALUE; // --duration alone: no count
    }
    return new CampaignSettings(backends, (int) Math.min(Integer.MAX_VALUE, faults), duration,
        seed, mix, candidates, lease, renew, retry, history, workDir, backToBack, grace, reuse);
  }

  private static List<String> backends(String v) {
    if (v.trim().equalsIgnoreCase("all")) {
      return BACKENDS;
    }
    List<String> out = new ArrayList<>();
    for (String b : v.split(",")) {
      String name = b.trim().toLowerCase(Locale.ROOT);
      if (!BACKENDS.contains(name)) {
        throw new IllegalArgumentException("unknown backend '" + b + "'; known: "
            + String.join(", ", BACKENDS) + ", all");
      }
      out.add(name);
    }
    return List.copyOf(out);
  }

  private static long integer(String opt, String v) {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(opt + " must be a whole number, got '" + v + "'");
    }
  }

  /** The history file of one backend. */
  Path historyOf(String backend) {
    String s = history.toString();
    if (s.contains("{backend}")) {
      return Path.of(s.replace("{backend}", backend));
    }
    if (backends.size() == 1) {
      return history;
    }
    int dot = s.lastIndexOf('.');
    return Path.of(dot > s.lastIndexOf('/') && dot > 0
        ? s.substring(0, dot) + "-" + backend + s.substring(dot) : s + "-" + backend);
  }

  /**
   * The options that replay the schedule of this campaign for one backend.
   *
   * @param drawn how many faults the campaign drew (a run limited by --duration replays by count)
   */
  String reproduce(String backend, int drawn) {
    StringBuilder out = new StringBuilder("--backend ").append(backend)
        .append(" --faults ").append(drawn)
        .append(" --seed ").append(seed)
        .append(" --mix ").append(mix)
        .append(" --candidates ").append(candidates)
        .append(" --back-to-back ").append(backToBack);
    if (lease != null) {
      out.append(" --lease ").append(SettingValues.format(lease))
          .append(" --renew ").append(SettingValues.format(renew))
          .append(" --retry ").append(SettingValues.format(retry));
    }
    if (reuseIdentity) {
      out.append(" --reuse-identity");
    }
    return out.toString();
  }
}
