package io.github.election.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.election.testing.Fault;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A short campaign with priority changes in the mix ({@code priority=3} beside crashes,
 * resignations and handovers to a name): every candidate preempts, and the checker's rule K1
 * wants the highest priority to lead after each change. Each priority change waits for K1's
 * bound (about 5 s here), so this is not part of the default build: run it with {@code
 * -Dcampaign.priority=true} (and {@code -Dcampaign.priority.backends=memory,etcd} for some
 * backends only). Histories go to {@code target/campaign/priority-<backend>.jsonl}.
 */
@EnabledIfSystemProperty(named = "campaign.priority", matches = "true")
class PriorityCampaignTest {

  private static final Logger log = LoggerFactory.getLogger(PriorityCampaignTest.class);
  static final long SEED = 20261202L;
  static final int FAULTS = 12;
  static final String MIX = "crash=1,resign=1,handover-to=1,priority=3";

  static {
    Logs.configure();
  }

  /** Every backend, or those of {@code -Dcampaign.priority.backends=memory,etcd}. */
  static List<String> backends() {
    String only = System.getProperty("campaign.priority.backends", "");
    return only.isBlank() ? CampaignSettings.BACKENDS : List.of(only.split(","));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("backends")
  @DisplayName("12 faults with priority changes, no rule broken")
  @org.junit.jupiter.api.Timeout(value = 6, unit = TimeUnit.MINUTES)
  void priorityCampaign(String backend) {
    CampaignSettings d = CampaignSettings.defaults();
    CampaignSettings settings = new CampaignSettings(List.of(backend), FAULTS, null, SEED,
        FaultMix.parse(MIX), 3, null, null, null,
        Path.of("target", "campaign", "priority-{backend}.jsonl"), d.workDir(), d.backToBack(),
        d.expiryGrace(), false);
    CampaignRun.Result result = Campaign.run(backend, settings);
    String details = Summary.details(result);
    log.info("priority campaign:\n{}\n{}", details, Summary.table(List.of(result)));
    assertThat(result.report().violations()).as("violations (seed %d)%n%s", SEED, details)
        .isEmpty();
    assertThat(result.injectionErrors()).as("faults that could not be injected%n%s", details)
        .isZero();
    assertThat(result.report().faults()).as("priority changes drawn").containsKey(Fault.PRIORITY);
  }
}
