package io.github.election.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.election.testing.Fault;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The short seeded campaign of {@code mvn verify}: 30 faults against each backend, every fault
 * the backend can inject drawn at least once, the history checked. A failure prints the seed,
 * the command that replays the schedule, and the history around each violation. Each backend's
 * history is kept in {@code target/campaign/short-<backend>.jsonl}, the summary rows in {@code
 * target/campaign/short-campaign.md}.
 */
class ShortCampaignTest {

  private static final Logger log = LoggerFactory.getLogger(ShortCampaignTest.class);
  /** A seed whose first 30 draws give every fault of each backend at least once. */
  static final long SEED = 20261124L;
  static final int FAULTS = 30;

  static {
    Logs.configure();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"memory", "zookeeper", "etcd", "kubernetes", "postgresql"})
  @DisplayName("30 random faults, no rule broken")
  @org.junit.jupiter.api.Timeout(value = 3, unit = TimeUnit.MINUTES)
  void shortCampaign(String backend) throws IOException {
    CampaignSettings d = CampaignSettings.defaults();
    CampaignSettings settings = new CampaignSettings(List.of(backend), FAULTS, null, SEED,
        d.mix(), 3, null, null, null, Path.of("target", "campaign", "short-{backend}.jsonl"),
        d.workDir(), d.backToBack(), d.expiryGrace(), false);
    CampaignRun.Result result = Campaign.run(backend, settings);

    String details = Summary.details(result);
    String table = Summary.table(List.of(result));
    log.info("short campaign:\n{}\n{}", details, table);
    Path summary = Path.of("target", "campaign", "short-campaign.md");
    Files.writeString(summary, table + details + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);

    assertThat(result.report().violations()).as("violations (seed %d)%n%s", SEED, details)
        .isEmpty();
    assertThat(result.injectionErrors()).as("faults that could not be injected%n%s", details)
        .isZero();
    java.util.Set<Fault> injectable = java.util.EnumSet.copyOf(settings.mix().kinds());
    result.leftOut().forEach(injectable::remove);
    assertThat(result.report().faults().keySet())
        .as("every fault this backend can inject was drawn (else choose another SEED)")
        .containsAll(injectable);
  }
}
