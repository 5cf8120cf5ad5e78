package io.github.election.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.election.testing.Fault;
import io.github.election.testing.StoreHarness;
import org.junit.jupiter.api.Test;

/** The campaign finds every backend's store harness by scheme, and says what it found if not. */
class StoreHarnessLookupTest {

  @Test
  void everyBackendOfTheCampaignHasAHarnessFoundByScheme() {
    assertThat(StoreHarness.schemes()).containsExactlyInAnyOrderElementsOf(
        CampaignSettings.BACKENDS);
    for (String scheme : CampaignSettings.BACKENDS) {
      assertThat(StoreHarness.provider(scheme).scheme()).isEqualTo(scheme);
    }
  }

  @Test
  void anUnknownSchemeIsRefusedNamingTheHarnessesFound() {
    assertThatThrownBy(() -> Campaign.storeOf("consul"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no store harness for 'consul'")
        .hasMessageContaining("zookeeper").hasMessageContaining("etcd")
        .hasMessageContaining("kubernetes").hasMessageContaining("memory");
  }

  @Test
  void theFaultsOfACampaignAreTheStoresPlusResignAndPauseWhereCandidatesRunApart() {
    try (StoreHarness memory = StoreHarness.start("memory", 3)) {
      assertThat(CampaignRun.injectable(memory)).containsExactlyInAnyOrder(Fault.CRASH,
          Fault.CUT, Fault.RESTART, Fault.EXPIRE, Fault.RESIGN, Fault.HANDOVER_TO,
          Fault.PRIORITY);
    }
  }
}
