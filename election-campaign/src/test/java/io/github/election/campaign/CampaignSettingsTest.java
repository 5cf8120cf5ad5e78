package io.github.election.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.election.testing.Fault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The command line of the long campaign, and the draw of faults, which a seed must replay. */
class CampaignSettingsTest {

  @Test
  @DisplayName("options are read, and the reproduce line gives them back")
  void optionsRoundTrip() {
    CampaignSettings s = CampaignSettings.parse(new String[] {"--backend", "zookeeper,etcd",
        "--faults", "50", "--seed", "42", "--mix", "crash=2,pause=1", "--lease", "3s",
        "--renew", "2s", "--retry", "500ms", "--history", "h-{backend}.jsonl",
        "--reuse-identity"});
    assertThat(s.backends()).containsExactly("zookeeper", "etcd");
    assertThat(s.faults()).isEqualTo(50);
    assertThat(s.seed()).isEqualTo(42);
    assertThat(s.mix().kinds()).containsExactly(Fault.CRASH, Fault.PAUSE);
    assertThat(s.historyOf("etcd")).isEqualTo(Path.of("h-etcd.jsonl"));
    assertThat(s.reproduce("etcd", 50)).isEqualTo("--backend etcd --faults 50 --seed 42 "
        + "--mix crash=2,pause=1 --candidates 3 --back-to-back 0.2 --lease 3s --renew 2s "
        + "--retry 500ms --reuse-identity");
    assertThat(CampaignSettings.parse(s.reproduce("etcd", 50).split(" ")).historyOf("etcd"))
        .isEqualTo(Path.of("target/campaign/history-etcd.jsonl"));
  }

  @Test
  @DisplayName("--duration alone runs until the time is up")
  void durationAloneHasNoCount() {
    CampaignSettings s = CampaignSettings.parse(new String[] {"--duration", "30m"});
    assertThat(s.duration()).isEqualTo(Duration.ofMinutes(30));
    assertThat(s.faults()).isEqualTo(Integer.MAX_VALUE);
    assertThat(CampaignSettings.parse(new String[] {"--duration", "30m", "--faults", "7"})
        .faults()).isEqualTo(7);
  }

  @Test
  @DisplayName("a wrong option names the option and the value")
  void badOptionsAreNamed() {
    assertThatThrownBy(() -> CampaignSettings.parse(new String[] {"--faults", "many"}))
        .hasMessageContaining("--faults").hasMessageContaining("many");
    assertThatThrownBy(() -> CampaignSettings.parse(new String[] {"--backend", "consul"}))
        .hasMessageContaining("consul").hasMessageContaining("zookeeper");
    assertThatThrownBy(() -> CampaignSettings.parse(new String[] {"--mix", "crash=x"}))
        .hasMessageContaining("crash").hasMessageContaining("x");
    assertThatThrownBy(() -> CampaignSettings.parse(new String[] {"--mix", "flood=1"}))
        .hasMessageContaining("flood").hasMessageContaining("pause");
    assertThatThrownBy(() -> CampaignSettings.parse(new String[] {"--lease", "1s", "--renew",
        "2s", "--retry", "100ms"})).hasMessageContaining("renewDeadline (2s)");
    assertThatThrownBy(() -> CampaignSettings.parse(new String[] {"--lease", "1s"}))
        .hasMessageContaining("go together");
    assertThatThrownBy(() -> CampaignSettings.parse(new String[] {"--wat", "1"}))
        .hasMessageContaining("--wat");
  }

  @Test
  @DisplayName("the same seed draws the same faults; a store that lacks some draws from the rest")
  void drawsAreSeeded() {
    FaultMix mix = FaultMix.parse(FaultMix.DEFAULT);
    assertThat(draws(mix, 7)).isEqualTo(draws(mix, 7)).isNotEqualTo(draws(mix, 8));
    FaultMix memory = mix.restrictedTo(EnumSet.of(Fault.CRASH, Fault.CUT));
    assertThat(draws(memory, 7)).containsOnly(Fault.CRASH, Fault.CUT);
    assertThatThrownBy(() -> FaultMix.parse("crash=1").restrictedTo(EnumSet.of(Fault.CUT)))
        .hasMessageContaining("no fault that this backend can inject");
  }

  private static List<Fault> draws(FaultMix mix, long seed) {
    Random r = new Random(seed);
    List<Fault> out = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      out.add(mix.draw(r));
    }
    return out;
  }
}
