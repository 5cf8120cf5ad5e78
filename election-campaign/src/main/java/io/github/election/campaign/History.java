package io.github.election.campaign;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every entry of one campaign, from the candidates and the runner, plus the live view the runner
 * steers by (which instances are alive, which of them last said it leads).
 *
 * <p>Thread-safe: entries arrive from the candidates' reader threads and the runner at once.
 * {@link #entries()} sorts them by time (ties keep the order of arrival).
 */
final class History {

  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, String> lastState = new HashMap<>();
  private final Set<String> alive = new LinkedHashSet<>();

  /** Appends an entry and updates the live view. */
  synchronized void add(Entry e) {
    entries.add(e);
    switch (e.kind()) {
      case "spawn":
        alive.add(e.who());
        lastState.put(e.who(), "UNKNOWN");
        break;
      case "exit":
        alive.remove(e.who());
        lastState.remove(e.who());
        break;
      case "transition":
        if (alive.contains(e.who())) {
          lastState.put(e.who(), e.str("to"));
        }
        break;
      default:
        break;
    }
    notifyAll();
  }

  /** Every entry, sorted by time. */
  synchronized List<Entry> entries() {
    List<Entry> copy = new ArrayList<>(entries);
    copy.sort(Comparator.comparingLong(Entry::t));
    return copy;
  }

  synchronized int size() {
    return entries.size();
  }

  /** The instances alive now, in the order they were spawned. */
  synchronized List<String> alive() {
    return new ArrayList<>(alive);
  }

  /** The alive instances whose last transition went to LEADER. */
  synchronized List<String> leaders() {
    List<String> out = new ArrayList<>();
    for (String who : alive) {
      if ("LEADER".equals(lastState.get(who))) {
        out.add(who);
      }
    }
    return out;
  }

  /** The alive instances that have heard from the store: their last state is not UNKNOWN. */
  synchronized List<String> known() {
    List<String> out = new ArrayList<>();
    for (String who : alive) {
      if (!"UNKNOWN".equals(lastState.get(who))) {
        out.add(who);
      }
    }
    return out;
  }

  /**
   * Waits until an alive instance says it leads, or until {@code deadline} ({@link
   * System#nanoTime()}).
   *
   * @return whether one does
   */
  synchronized boolean awaitLeader(long deadline) throws InterruptedException {
    for (;;) {
      if (!leaders().isEmpty()) {
        return true;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000L));
    }
  }

  /**
   * Waits until every alive instance has heard from the store, or until {@code deadline}.
   *
   * @return whether they all have
   */
  synchronized boolean awaitAllKnown(long deadline) throws InterruptedException {
    for (;;) {
      if (known().size() == alive.size()) {
        return true;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000L));
    }
  }

  /**
   * Waits until {@code who} has recorded a transition at or after {@code after} (its {@code at}
   * time), or until {@code deadline}: a process that was frozen has caught up with its clock.
   *
   * @return whether it has
   */
  synchronized boolean awaitTransition(String who, long after, long deadline)
      throws InterruptedException {
    for (;;) {
      for (int i = entries.size() - 1; i >= 0; i--) {
        Entry e = entries.get(i);
        if (e.who().equals(who) && e.is("transition") && e.num("at", Long.MIN_VALUE) >= after) {
          return true;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || !alive.contains(who)) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000L));
    }
  }

  /** Waits until {@code deadline} ({@link System#nanoTime()}): the holding time of a fault. */
  synchronized void holdUntil(long deadline) throws InterruptedException {
    for (long left; (left = deadline - System.nanoTime()) > 0; ) {
      wait(Math.max(1, left / 1_000_000L));
    }
  }

  /** Writes the entries, sorted by time, one JSON object per line. */
  void write(Path file) {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        for (Entry e : entries()) {
          w.write(e.toJson());
          w.newLine();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the history to " + file, e);
    }
  }

  /** Reads a history that {@link #write} wrote. */
  static List<Entry> read(Path file) {
    try {
      List<Entry> out = new ArrayList<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          out.add(Entry.of(Json.read(line)));
        }
      }
      out.sort(Comparator.comparingLong(Entry::t));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the history " + file, e);
    }
  }

  /**
   * The entries from {@code from} to {@code to}, at most {@code max} of them (those nearest to
   * {@code around} when there are more), one per line with the time in seconds since {@code
   * origin}.
   */
  static String excerpt(List<Entry> sorted, long origin, long from, long to, long around,
      int max) {
    List<Entry> window = new ArrayList<>();
    for (Entry e : sorted) {
      if (e.t() >= from && e.t() <= to) {
        window.add(e);
      }
    }
    while (window.size() > max) {
      Entry first = window.get(0);
      Entry last = window.get(window.size() - 1);
      if (around - first.t() > last.t() - around) {
        window.remove(0);
      } else {
        window.remove(window.size() - 1);
      }
    }
    StringBuilder out = new StringBuilder();
    for (Entry e : window) {
      out.append(String.format("  %+10.3f s  %s%n", (e.t() - origin) / 1e9, e.toJson()));
    }
    return out.toString();
  }
}
