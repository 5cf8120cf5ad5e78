package io.github.election.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.github.election.tck.broken.Mutant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestTag;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The kit proves it can fail: run against each implementation that is wrong on purpose, the
 * tests of the rules it breaks must fail (not pass, not skip).
 */
class KitCatchesBrokenImplementationsTest {

  private static final Set<String> RULES_WITH_A_MUTANT = ConcurrentHashMap.newKeySet();

  @TestFactory
  Stream<DynamicTest> everyBrokenImplementationFailsTheRuleItBreaks() {
    return EnumSet.allOf(Mutant.class).stream().map(m -> DynamicTest.dynamicTest(
        m + " fails " + m.rules(), () -> {
          Map<String, String> outcomes = run(m);
          assertThat(outcomes).as("tests of %s run against %s", m.rules(), m).isNotEmpty();
          for (String rule : m.rules()) {
            assertThat(outcomes.entrySet()).as("outcome of rule %s against %s: %s", rule, m, outcomes)
                .anyMatch(e -> e.getKey().startsWith(rule + "_") && e.getValue().equals("FAILED"));
            RULES_WITH_A_MUTANT.add(rule);
          }
          assertThat(outcomes.values()).as("no test of the broken rules is skipped: %s", outcomes)
              .noneMatch(v -> v.startsWith("SKIPPED") && m.rules().size() == 1);
        }));
  }

  /** Runs the kit's tests of the mutant's rules against it; test method name -> outcome. */
  private static Map<String, String> run(Mutant m) {
    MutantKit.mutant = m;
    Map<String, String> outcomes = new TreeMap<>();
    PostDiscoveryFilter onlyItsRules = descriptor -> {
      if (descriptor.getSource().filter(MethodSource.class::isInstance).isEmpty()) {
        return FilterResult.included("container");
      }
      String method = ((MethodSource) descriptor.getSource().get()).getMethodName();
      boolean mine = m.rules().stream().anyMatch(r -> method.startsWith(r + "_"));
      // the tests that hold a fault for 30 s have faster siblings of the same rule
      boolean slow = descriptor.getTags().contains(TestTag.create(ElectionCompatibilityKit.SLOW));
      return mine && !slow ? FilterResult.included(method) : FilterResult.excluded(method);
    };
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
        .selectors(selectClass(MutantKit.class)).filters(onlyItsRules).build();
    Launcher launcher = LauncherFactory.create();
    launcher.execute(request, new TestExecutionListener() {
      @Override
      public void executionSkipped(TestIdentifier id, String reason) {
        name(id).ifPresent(n -> outcomes.put(n, "SKIPPED: " + reason));
      }

      @Override
      public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        name(id).ifPresent(n -> outcomes.put(n, result.getStatus() == TestExecutionResult.Status.SUCCESSFUL
            ? "PASSED" : "FAILED"));
      }
    });
    return outcomes;
  }

  private static java.util.Optional<String> name(TestIdentifier id) {
    return id.getSource().filter(MethodSource.class::isInstance)
        .map(s -> ((MethodSource) s).getMethodName());
  }

  /** Every rule of the contract is broken by at least one implementation above. */
  @Test
  void everyRuleHasABrokenImplementation() {
    List<String> rules = List.of("S1", "S2", "S3", "S4", "L1", "L2", "L3", "L4", "N1", "N2", "N3",
        "N4", "N5", "N6", "N7", "N8", "N9", "T1", "T2", "T3", "C1", "C2", "C3", "C4", "F1", "F2",
        "F3", "F4", "H1", "H2", "K1", "K2", "K3", "O1", "O2", "O3");
    List<String> covered = new ArrayList<>();
    for (Mutant m : Mutant.values()) {
      covered.addAll(m.rules());
    }
    List<String> missing = new ArrayList<>(rules);
    missing.removeAll(covered);
    assertThat(missing).as("rules no broken implementation breaks").isEmpty();
  }

  @AfterAll
  static void releaseLeftovers() {
    Mutant.releaseLeftovers();
  }
}
