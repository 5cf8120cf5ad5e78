package io.github.election.campaign;

import io.github.election.testing.Fault;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * How often each fault is drawn: weights such as {@code crash=3,cut=3,restart=1}. Faults that a
 * backend cannot inject are left out for that backend (and said so in the summary). Immutable.
 */
final class FaultMix {

  /** The default mix: every fault, the ones on a single candidate more often. */
  static final String DEFAULT = "crash=3,cut=3,restart=1,expire=1,member=1,pause=2,resign=1";

  private final Map<Fault, Integer> weights;

  private FaultMix(Map<Fault, Integer> weights) {
    this.weights = weights;
  }

  /**
   * Reads {@code kind=weight,...}.
   *
   * @throws IllegalArgumentException naming the part that is wrong
   */
  static FaultMix parse(String text) {
    Map<Fault, Integer> w = new EnumMap<>(Fault.class);
    for (String part : text.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      Fault kind = Fault.of(eq < 0 ? part : part.substring(0, eq));
      int weight;
      try {
        weight = eq < 0 ? 1 : Integer.parseInt(part.substring(eq + 1).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("mix: weight of " + kind.option() + " must be a whole "
            + "number, got '" + part.substring(eq + 1) + "'");
      }
      if (weight < 0) {
        throw new IllegalArgumentException("mix: weight of " + kind.option()
            + " must not be negative, got " + weight);
      }
      w.put(kind, weight);
    }
    if (w.values().stream().mapToInt(Integer::intValue).sum() == 0) {
      throw new IllegalArgumentException("mix '" + text + "' gives no fault a weight");
    }
    return new FaultMix(w);
  }

  /** The mix without the faults a backend cannot inject. */
  FaultMix restrictedTo(Set<Fault> supported) {
    Map<Fault, Integer> w = new EnumMap<>(Fault.class);
    weights.forEach((k, v) -> {
      if (supported.contains(k) && v > 0) {
        w.put(k, v);
      }
    });
    if (w.isEmpty()) {
      throw new IllegalArgumentException("mix " + this + " has no fault that this backend can "
          + "inject (it can: " + supported + ")");
    }
    return new FaultMix(w);
  }

  /** The faults with a weight, in enum order. */
  Set<Fault> kinds() {
    return weights.keySet();
  }

  /** Draws one fault. */
  Fault draw(Random random) {
    int total = weights.values().stream().mapToInt(Integer::intValue).sum();
    int r = random.nextInt(total);
    for (Map.Entry<Fault, Integer> e : weights.entrySet()) {
      r -= e.getValue();
      if (r < 0) {
        return e.getKey();
      }
    }
    throw new AssertionError("weights changed while drawing");
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    weights.forEach((k, v) -> out.append(out.length() == 0 ? "" : ",").append(k.option())
        .append('=').append(v));
    return out.toString();
  }
}
