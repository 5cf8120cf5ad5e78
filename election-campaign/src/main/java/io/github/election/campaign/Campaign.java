package io.github.election.campaign;

import io.github.election.spi.SettingValues;
import io.github.election.testing.StoreHarness;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The fault campaign's command line: runs a campaign against each chosen backend, prints the
 * summary table and, for a run with violations, the seed and the history around each, writes
 * each backend's history to a file, and exits with 0 when no rule was broken, 1 when one was, 2
 * on bad usage.
 *
 * <pre>
 * mvn -q -o -pl election-campaign compile exec:exec \
 *     -Dcampaign="--backend zookeeper --faults 200 --seed 42 --mix crash=3,cut=3,pause=2"
 * </pre>
 *
 * <p>Options: see {@link CampaignSettings#USAGE} ({@code --help}).
 */
public final class Campaign {

  static {
    Logs.configure();
  }

  private Campaign() {
  }

  /**
   * Runs the campaign the arguments describe.
   *
   * @param args the options
   */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out),
        true, StandardCharsets.UTF_8);
    if (args.length == 0 || List.of(args).contains("--help")) {
      out.println(CampaignSettings.USAGE);
      System.exit(args.length == 0 ? 2 : 0);
    }
    if (args[0].equals("--check")) {
      System.exit(checkOnly(args, out));
    }
    CampaignSettings settings;
    try {
      settings = CampaignSettings.parse(args);
    } catch (IllegalArgumentException e) {
      out.println(e.getMessage());
      System.exit(2);
      return;
    }
    List<CampaignRun.Result> results = new ArrayList<>();
    for (String backend : settings.backends()) {
      out.println("== " + backend + ": " + (settings.faults() == Integer.MAX_VALUE ? ""
          : settings.faults() + " faults") + (settings.duration() == null ? ""
          : (settings.faults() == Integer.MAX_VALUE ? "" : " or ")
          + SettingValues.format(settings.duration())) + ", seed " + settings.seed());
      CampaignRun.Result r = run(backend, settings);
      results.add(r);
      out.print(Summary.details(r));
    }
    out.println();
    out.print(Summary.table(results));
    boolean ok = results.stream().allMatch(r -> r.report().ok());
    System.exit(ok ? 0 : 1);
  }

  /** Runs one backend's campaign. */
  static CampaignRun.Result run(String backend, CampaignSettings settings) {
    return new CampaignRun(backend, storeOf(backend), settings).run();
  }

  /**
   * What starts the store of a backend: its {@link StoreHarness}, found by scheme, with three
   * members where the store can have several (ZooKeeper ensemble, etcd cluster).
   */
  static Supplier<StoreHarness> storeOf(String backend) {
    StoreHarness.provider(backend); // fails now, listing the harnesses found, if none serves it
    return () -> StoreHarness.start(backend, 3);
  }

  /** {@code --check FILE}: checks a history written before, with the settings it records. */
  private static int checkOnly(String[] args, PrintStream out) {
    if (args.length != 2) {
      out.println("usage: --check FILE");
      return 2;
    }
    List<Entry> entries = History.read(Path.of(args[1]));
    Checker.Report rep = Checker.check(entries, Checker.limitsOf(entries));
    out.println(args[1] + ": " + entries.size() + " entries, " + rep.faults() + ", "
        + rep.leaderChanges() + " leader changes, " + rep.violations().size() + " violations"
        + (rep.tolerated().isEmpty() ? "" : " (+" + rep.tolerated().size() + " tolerated)"));
    out.println(Summary.worstOut(rep));
    rep.tolerated().forEach(t -> out.println("tolerated: " + t));
    if (rep.lateStarts() > 0) {
      out.println("leader-work runs whose thread began after their leadership had ended: "
          + rep.lateStarts());
    }
    for (Checker.Violation v : rep.violations()) {
      out.println("VIOLATION " + v.message());
      out.print(History.excerpt(entries, rep.origin(), v.from(), v.to(), v.at(), 60));
    }
    return rep.ok() ? 0 : 1;
  }
}
