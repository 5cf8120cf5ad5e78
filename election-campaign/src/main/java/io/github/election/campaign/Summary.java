package io.github.election.campaign;

import io.github.election.spi.SettingValues;
import io.github.election.testing.Fault;
import java.util.List;

/** The text a campaign prints: the summary table, and for a failed run the violations. */
final class Summary {

  /** The command that runs a campaign; the options follow in quotes. */
  static final String COMMAND = "mvn -q -o -pl election-campaign compile exec:exec -Dcampaign=";

  private Summary() {
  }

  /** One row per backend: faults by kind, leader changes, longest gaps, violations. */
  static String table(List<CampaignRun.Result> results) {
    StringBuilder out = new StringBuilder();
    out.append("| backend | seed | D / R / P | time | faults |");
    for (Fault k : Fault.values()) {
      out.append(' ').append(k.option()).append(" |");
    }
    out.append(" leader changes | longest leaderless gap | longest gap after a fault (bound D + P)"
        + " | longest time a healed candidate stayed out (bound D + P) | violations |\n"
        + "|---|---|---|---|---|");
    for (int i = 0; i < Fault.values().length; i++) {
      out.append("---|");
    }
    out.append("---|---|---|---|---|\n");
    for (CampaignRun.Result r : results) {
      Checker.Report rep = r.report();
      int total = rep.faults().values().stream().mapToInt(Integer::intValue).sum();
      out.append("| ").append(r.backend())
          .append(" | ").append(r.settings().seed())
          .append(" | ").append(SettingValues.format(r.timings().leaseDuration())).append(" / ")
          .append(SettingValues.format(r.timings().renewDeadline())).append(" / ")
          .append(SettingValues.format(r.timings().retryPeriod()))
          .append(" | ").append(minutes(r.elapsed().toMillis()))
          .append(" | ").append(total).append(" |");
      for (Fault k : Fault.values()) {
        out.append(' ').append(r.leftOut().contains(k) ? "n/a"
            : String.valueOf(rep.faults().getOrDefault(k, 0))).append(" |");
      }
      out.append(' ').append(rep.leaderChanges())
          .append(" | ").append(seconds(rep.longestGap()))
          .append(" | ").append(seconds(rep.longestGapAfterHeal())).append(" (")
          .append(seconds(r.timings().electionBound().toNanos()));
      long allowance = Checker.limitsOf(r.history()).storeAllowance();
      if (allowance > 0) {
        out.append("; + ").append(seconds(allowance)).append(" after store faults");
      }
      out.append(")")
          .append(" | ").append(Checker.ms(rep.longestOut())).append(" (")
          .append(Checker.ms(r.timings().electionBound().toNanos()));
      if (allowance > 0) {
        out.append("; + ").append(Checker.ms(allowance)).append(" after store faults");
      }
      out.append(")")
          .append(" | ").append(rep.violations().size());
      if (!rep.tolerated().isEmpty()) {
        out.append(" (+").append(rep.tolerated().size()).append(" tolerated after forced expiry)");
      }
      out.append(" |\n");
    }
    return out.toString();
  }

  /** The settings, the reproduce command, the history file and, if any, the violations. */
  static String details(CampaignRun.Result r) {
    StringBuilder out = new StringBuilder();
    out.append(r.backend()).append(": seed ").append(r.settings().seed())
        .append(", history ").append(r.historyFile()).append(" (").append(r.history().size())
        .append(" entries)\n");
    out.append("  reproduce: ").append(COMMAND).append('"')
        .append(r.settings().reproduce(r.backend(), (int) r.history().stream()
            .filter(e -> e.who().equals(Entry.RUNNER) && e.is("fault")).count()))
        .append("\"\n");
    if (!r.leftOut().isEmpty()) {
      out.append("  left out (this store cannot inject them): ").append(r.leftOut()).append('\n');
    }
    if (r.injectionErrors() > 0) {
      out.append("  faults that could not be injected as drawn: ").append(r.injectionErrors())
          .append(" (see the 'error' entries of the history)\n");
    }
    Checker.Report rep = r.report();
    out.append("  ").append(worstOut(rep)).append('\n');
    for (String t : rep.tolerated()) {
      out.append("  tolerated: ").append(t).append('\n');
    }
    if (rep.lateStarts() > 0) {
      out.append("  leader-work runs whose thread began after their leadership had ended (the "
          + "process was frozen or starved in between): ").append(rep.lateStarts()).append('\n');
    }
    int shown = 0;
    for (Checker.Violation v : rep.violations()) {
      if (shown++ == 5) {
        out.append("  ... and ").append(rep.violations().size() - 5)
            .append(" more violations: see the history\n");
        break;
      }
      out.append("VIOLATION ").append(v.message()).append("\n  seed ").append(r.settings().seed())
          .append("; history around it:\n")
          .append(History.excerpt(r.history(), rep.origin(), v.from(), v.to(), v.at(), 60));
    }
    return out.toString();
  }

  /**
   * The longest time a candidate stayed out after a fault healed (rule F4), and which fault and
   * candidate that was.
   */
  static String worstOut(Checker.Report rep) {
    Checker.Recovery w = rep.worstOut();
    if (w == null) {
      return "longest time a healed candidate stayed out (F4): none judged";
    }
    return String.format("longest time a healed candidate stayed out (F4): %s, %s after %s "
        + "healed at %+.3f s%s (bound %s; %d recoveries judged)", Checker.ms(w.out()), w.who(),
        w.fault(), (w.healed() - rep.origin()) / 1e9, w.back() ? "" : ", not back by the end of"
        + " its window", Checker.ms(w.bound()), rep.recoveries());
  }

  private static String seconds(long nanos) {
    return String.format("%.2f s", nanos / 1e9);
  }

  private static String minutes(long millis) {
    return String.format("%d min %02d s", millis / 60_000, (millis / 1000) % 60);
  }
}
