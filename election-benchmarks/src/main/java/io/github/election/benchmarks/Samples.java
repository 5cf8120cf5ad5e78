package io.github.election.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Durations measured in nanoseconds, with nearest-rank percentiles. Not thread-safe. */
public final class Samples {

  private final List<Long> nanos = new ArrayList<>();
  private int failures;

  public void add(long n) {
    nanos.add(n);
  }

  /** A run that produced no figure (timed out). */
  public void fail() {
    failures++;
  }

  public int count() {
    return nanos.size();
  }

  public int failures() {
    return failures;
  }

  public List<Long> values() {
    return Collections.unmodifiableList(nanos);
  }

  /** Nearest-rank percentile in nanoseconds; NaN without samples. */
  public double percentile(double p) {
    if (nanos.isEmpty()) {
      return Double.NaN;
    }
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  public double median() {
    return percentile(50);
  }

  public double p99() {
    return percentile(99);
  }

  public double min() {
    return percentile(0);
  }

  public double max() {
    return percentile(100);
  }

  /** Milliseconds with one decimal, or "-". */
  public static String ms(double nanos) {
    if (Double.isNaN(nanos)) {
      return "-";
    }
    double ms = nanos / 1e6;
    return String.format(Locale.ROOT, ms >= 100 ? "%.0f ms" : "%.1f ms", ms);
  }

  /** Microseconds, or "-". */
  public static String us(double nanos) {
    if (Double.isNaN(nanos)) {
      return "-";
    }
    double us = nanos / 1e3;
    return String.format(Locale.ROOT, us >= 100 ? "%.0f us" : "%.1f us", us);
  }

  /** A ratio as {@code 1.05x}, or "-". */
  public static String ratio(double r) {
    if (Double.isNaN(r) || Double.isInfinite(r)) {
      return "-";
    }
    return String.format(Locale.ROOT, r < 0.1 ? "%.3fx" : "%.2fx", r);
  }
}
