package io.github.election.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Reading the payload of a notification; the server's side is in PostgresBackendTest. */
class NoticeTest {

  @Test
  void readsARowWithTextsOfSeveralCodePoints() {
    String name = "jobs-\ud83d\ude42";
    String holder = "h\u00e9";
    Notice n = Notice.parse("record:7 3 15000 1764648000123456 1764648001000001 "
        + name.codePointCount(0, name.length()) + " 2 - " + name + holder);
    assertThat(n).isNotNull();
    assertThat(n.election()).isEqualTo(name);
    assertThat(n.record().version()).isEqualTo("7");
    assertThat(n.record().record().holderIdentity()).isEqualTo(holder);
    assertThat(n.record().record().preferredHolder()).isNull();
    assertThat(n.record().record().leaseDuration()).isEqualTo(Duration.ofSeconds(15));
    assertThat(n.record().record().leaderTransitions()).isEqualTo(3);
    assertThat(n.record().record().acquireTime())
        .isEqualTo(Instant.ofEpochSecond(1764648000L, 123456000L));
  }

  @Test
  void aReleasedRowHasNoHolderAndMayNameAPreferredOne() {
    Notice n = Notice.parse("record:8 3 1000 - - 4 - 1 jobsb");
    assertThat(n.record().record().holderIdentity()).isNull();
    assertThat(n.record().record().preferredHolder()).isEqualTo("b");
    assertThat(n.record().record().renewTime()).isNull();
  }

  @Test
  void aNameAloneOrAPayloadThatDoesNotAddUpIsNoNotice() {
    assertThat(Notice.parse("jobs")).isNull();
    assertThat(Notice.looksLikeOne("jobs")).isFalse();
    assertThat(Notice.parse("probe:1234")).isNull();
    assertThat(Notice.parse("record:8 3 1000 - - 4 - - jobsx")).as("text left over").isNull();
    assertThat(Notice.parse("record:8 3 1000 - - 9 - - jobs")).as("text too short").isNull();
    assertThat(Notice.parse("record:8 3")).isNull();
    assertThat(Notice.parse("record:x 3 1000 - - 4 - - jobs")).isNull();
    assertThat(Notice.looksLikeOne("record:x")).isTrue();
  }
}
