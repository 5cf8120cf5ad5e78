package io.github.election.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How queue stores write a candidate's identity and priority, and the checks of a priority. */
class OpenCandidateTest {

  @Test
  void priorityZeroIsTheIdentityAlone() {
    assertThat(OpenCandidate.encode("web-1", 0)).isEqualTo("web-1");
    assertThat(OpenCandidate.decode("web-1")).isEqualTo(new OpenCandidate("web-1", 0));
  }

  @Test
  void aPriorityFollowsANul() {
    String text = OpenCandidate.encode("web-2", 5);
    assertThat(text).isEqualTo("web-2\0priority=5");
    assertThat(OpenCandidate.decode(text)).isEqualTo(new OpenCandidate("web-2", 5));
    assertThat(OpenCandidate.identityOf(text)).isEqualTo("web-2");
  }

  @Test
  void unreadablePrioritiesCountAsZeroAndUnknownFieldsAreSkipped() {
    assertThat(OpenCandidate.decode("a\0priority=x")).isEqualTo(new OpenCandidate("a", 0));
    assertThat(OpenCandidate.decode("a\0priority=-3")).isEqualTo(new OpenCandidate("a", 0));
    assertThat(OpenCandidate.decode("a\0zone=eu\0priority=2"))
        .isEqualTo(new OpenCandidate("a", 2));
    assertThat(OpenCandidate.decode("")).isNull();
    assertThat(OpenCandidate.decode("\0priority=1")).isNull();
    assertThat(OpenCandidate.decode(null)).isNull();
  }

  @Test
  void aNegativePriorityIsRefusedNamingTheSettingAndValue() {
    assertThatThrownBy(() -> new ElectionSettings("e", "i", Duration.ofSeconds(15),
        Duration.ofSeconds(10), Duration.ofSeconds(2), -4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("priority must not be negative (0 is the default and the lowest), got -4");
    assertThat(new ElectionSettings("e", "i", Duration.ofSeconds(15), Duration.ofSeconds(10),
        Duration.ofSeconds(2), 3).toString()).contains("priority=3");
  }
}
