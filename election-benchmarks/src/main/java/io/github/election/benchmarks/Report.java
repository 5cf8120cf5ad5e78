package io.github.election.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a benchmark run found: Markdown tables for the console and the README, one verdict per
 * target, and a JSON tree with every figure and sample. Thread-safe enough for one harness
 * thread (the benchmarks run one after the other).
 */
final class Report {

  /** One table: a title, a line about the settings, headers and rows. */
  static final class Table {
    final String title;
    final String note;
    final List<String> headers;
    final List<List<String>> rows = new ArrayList<>();

    Table(String title, String note, List<String> headers) {
      this.title = title;
      this.note = note;
      this.headers = headers;
    }

    void row(String... cells) {
      rows.add(List.of(cells));
    }
  }

  /** One target of the issue with the figure that decides it. */
  record Verdict(String id, String target, String figure, boolean met, String reason) {
  }

  final List<Table> tables = new ArrayList<>();
  final List<Verdict> verdicts = new ArrayList<>();
  final Map<String, Object> json = new LinkedHashMap<>();

  Table table(String title, String note, String... headers) {
    Table t = new Table(title, note, List.of(headers));
    tables.add(t);
    return t;
  }

  void verdict(String id, String target, String figure, boolean met, String reason) {
    verdicts.add(new Verdict(id, target, figure, met, reason));
  }

  /** The tables and the verdicts as Markdown. */
  String markdown() {
    StringBuilder out = new StringBuilder();
    for (Table t : tables) {
      out.append("**").append(t.title).append("**");
      if (t.note != null && !t.note.isEmpty()) {
        out.append(" ").append(t.note);
      }
      out.append("\n\n");
      out.append("| ").append(String.join(" | ", t.headers)).append(" |\n");
      out.append("|");
      for (int i = 0; i < t.headers.size(); i++) {
        out.append(i == 0 ? "---|" : "---:|");
      }
      out.append("\n");
      for (List<String> r : t.rows) {
        out.append("| ").append(String.join(" | ", r)).append(" |\n");
      }
      out.append("\n");
    }
    if (!verdicts.isEmpty()) {
      out.append("**Targets**\n\n| target | figure | met |\n|---|---|---|\n");
      for (Verdict v : verdicts) {
        out.append("| ").append(v.id()).append(": ").append(v.target()).append(" | ")
            .append(v.figure()).append(" | ").append(v.met() ? "yes" : "**no**")
            .append(v.met() || v.reason() == null ? "" : ": " + v.reason()).append(" |\n");
      }
      out.append("\n");
    }
    return out.toString();
  }

  List<Map<String, Object>> verdictsJson() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Verdict v : verdicts) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", v.id());
      m.put("target", v.target());
      m.put("figure", v.figure());
      m.put("met", v.met());
      m.put("reason", v.reason());
      out.add(m);
    }
    return out;
  }
}
