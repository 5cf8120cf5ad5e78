package io.github.election.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one place that checks names, identities and durations for every backend. */
class ElectionSettingsTest {

  private static ElectionSettings settings(String name, String identity, Duration lease,
      Duration renew, Duration retry) {
    return new ElectionSettings(name, identity, lease, renew, retry);
  }

  private static ElectionSettings named(String name, String identity) {
    return settings(name, identity, Duration.ofSeconds(15), Duration.ofSeconds(10),
        Duration.ofSeconds(2));
  }

  @Test
  void namesAndIdentitiesUpToTheirLimitsPass() {
    ElectionSettings s = named("n".repeat(ElectionSettings.MAX_NAME_LENGTH),
        "i".repeat(ElectionSettings.MAX_IDENTITY_LENGTH));
    assertThat(s.name()).hasSize(253);
    assertThat(s.identity()).hasSize(1024);
    // letters of any script, spaces inside, punctuation: only control and bidi characters go
    assertThatNoException().isThrownBy(() -> named("j\u00f6bs / \u65e5\u672c", "pod-0 (eu)"));
  }

  @Test
  void aNameOverTheLimitIsRefusedShowingItInFull() {
    String name = "x".repeat(254);
    assertThatIllegalArgumentException().isThrownBy(() -> named(name, "me"))
        .withMessage("name '" + name + "' is too long: 254 characters, at most 253");
  }

  @Test
  void aHugeNameIsRefusedShowingAPrefixAndItsLength() {
    String name = "a".repeat(1_153_434);
    assertThatIllegalArgumentException().isThrownBy(() -> named(name, "me"))
        .withMessage("name '" + "a".repeat(64) + "...' (1153434 characters) is too long: "
            + "1153434 characters, at most 253");
  }

  @Test
  void anIdentityOverTheLimitIsRefused() {
    String identity = "p".repeat(1025);
    assertThatIllegalArgumentException().isThrownBy(() -> named("jobs", identity))
        .withMessageStartingWith("identity '" + "p".repeat(64) + "...' (1025 characters)")
        .withMessageEndingWith("is too long: 1025 characters, at most 1024");
  }

  @ParameterizedTest
  @ValueSource(strings = {"pod-0\n12:00:00.000 INFO jobs/pod-1: LEADER", "pod\r", "pod\u001b[2K",
      "pod\u0000", "pod\u0085", "pod\u2028x", "pod\u202egnp.exe", "pod\u2066x\u2069", "a\tb"})
  void identitiesThatCouldForgeOrDisguiseALogLineAreRefused(String identity) {
    assertThatIllegalArgumentException().isThrownBy(() -> named("jobs", identity))
        .withMessageStartingWith("identity '")
        .withMessageContaining("must not contain control, line separator or bidirectional "
            + "formatting characters; found U+")
        .satisfies(e -> assertThat(e.getMessage())
            .as("the message itself breaks no line").doesNotContain("\n", "\r", "\u001b",
                "\u2028", "\u202e", "\u0085", "\u0000"));
  }

  @Test
  void theRefusalNamesTheCharacterAndShowsTheValueEscaped() {
    assertThatIllegalArgumentException().isThrownBy(() -> named("jobs", "pod-0\nforged"))
        .withMessage("identity 'pod-0\\nforged' must not contain control, line separator or "
            + "bidirectional formatting characters; found U+000A at index 5");
    assertThatIllegalArgumentException().isThrownBy(() -> named("jobs\u202e", "me"))
        .withMessage("name 'jobs\\u202E' must not contain control, line separator or "
            + "bidirectional formatting characters; found U+202E at index 4");
  }

  @Test
  void namesObeyTheSameCharacterRuleAndAHarmlessControlIsShownAsGiven() {
    // a bell breaks no line: the message shows the name as given (the kit looks for it there)
    assertThatIllegalArgumentException().isThrownBy(() -> named("bell\u0007name", "me"))
        .withMessageContaining("name 'bell\u0007name'")
        .withMessageContaining("found U+0007 at index 4");
  }

  @Test
  void durationsAreCappedAtOneDay() {
    assertThatNoException().isThrownBy(() -> settings("jobs", "me", Duration.ofDays(1),
        Duration.ofHours(23), Duration.ofHours(22)));
    assertThatIllegalArgumentException().isThrownBy(() -> settings("jobs", "me",
            Duration.ofDays(1).plusNanos(1), Duration.ofSeconds(10), Duration.ofSeconds(2)))
        .withMessage("leaseDuration must be at most 86400s (1 day), got 86400000000001ns");
    assertThatIllegalArgumentException().isThrownBy(() -> settings("jobs", "me",
            Duration.ofSeconds(Long.MAX_VALUE), Duration.ofSeconds(Long.MAX_VALUE - 1),
            Duration.ofSeconds(10)))
        .withMessageStartingWith("leaseDuration must be at most 86400s (1 day), got PT");
    assertThatIllegalArgumentException().isThrownBy(() -> SettingValues.requireDuration(
            Duration.ofDays(365L * 1000), "renewDeadline"))
        .withMessage("renewDeadline must be at most 86400s (1 day), got PT8760000H");
    assertThatIllegalArgumentException().isThrownBy(() -> SettingValues.requireDuration(
            Duration.ZERO, "retryPeriod"))
        .withMessage("retryPeriod must be positive, got 0s");
  }

  @Test
  void requirePositiveRefusesWhatNanosecondsCannotCount() {
    assertThat(SettingValues.requirePositive(Duration.ofDays(365L * 200), "ttl"))
        .isEqualTo(Duration.ofDays(365L * 200));
    assertThatIllegalArgumentException().isThrownBy(() -> SettingValues.requirePositive(
            Duration.ofDays(365L * 300), "ttl"))
        .withMessage("ttl must be shorter than 292 years (what a long counts in nanoseconds), "
            + "got PT2628000H");
  }

  @Test
  void parseDurationReadsUnitsAndIso() {
    assertThat(SettingValues.parseDuration("250ms", "d")).isEqualTo(Duration.ofMillis(250));
    assertThat(SettingValues.parseDuration(" 1.5s ", "d")).isEqualTo(Duration.ofMillis(1500));
    assertThat(SettingValues.parseDuration("2m", "d")).isEqualTo(Duration.ofMinutes(2));
    assertThat(SettingValues.parseDuration("1h", "d")).isEqualTo(Duration.ofHours(1));
    assertThat(SettingValues.parseDuration("7us", "d")).isEqualTo(Duration.ofNanos(7000));
    assertThat(SettingValues.parseDuration("PT15S", "d")).isEqualTo(Duration.ofSeconds(15));
    assertThat(SettingValues.parseDuration("2562047h", "d"))
        .isEqualTo(Duration.ofHours(2562047)); // the longest whole hours nanoseconds can count
  }

  @ParameterizedTest
  @ValueSource(strings = {"99999999999999999999h", "2562048h", "9223372036854775808ns",
      "PT99999999999999999999H", "PT2562048H", "P106752D", "PT9223372036854775807S"})
  void parseDurationRefusesWhatOverflowsNamingTheSetting(String text) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> SettingValues.parseDuration(text, "ttl"))
        .withMessage("ttl '" + text + "' is out of range: a duration must be shorter than "
            + "292 years (what a long counts in nanoseconds)");
  }

  @Test
  void parseDurationRefusesWhatIsNoDuration() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> SettingValues.parseDuration("15 seconds", "sessionTimeout"))
        .withMessage("sessionTimeout '15 seconds' is not a duration; write it like 250ms, 15s, "
            + "1.5s, 2m or PT15S");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> SettingValues.parseDuration("0.5ns", "d"))
        .withMessage("d '0.5ns' is finer than a nanosecond");
    String huge = "9".repeat(100_000) + "h";
    assertThatIllegalArgumentException()
        .isThrownBy(() -> SettingValues.parseDuration(huge, "d"))
        .withMessageStartingWith("d '" + "9".repeat(64) + "...' (100001 characters) is out of range");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> SettingValues.parseDuration("1s\nforged", "d"))
        .withMessageStartingWith("d '1s\\nforged' is not a duration");
  }

  @Test
  void printableEscapesWhatBreaksALineAndCutsLongTexts() {
    assertThat(SettingValues.printable("plain text: \u00e9\u65e5 \u0007")).isEqualTo(
        "plain text: \u00e9\u65e5 \u0007");
    assertThat(SettingValues.printable("a\nb\rc\u001b[31md\u2028e\u202ef\u0000"))
        .isEqualTo("a\\nb\\rc\\u001B[31md\\u2028e\\u202Ef\\u0000");
    assertThat(SettingValues.printable(null)).isEqualTo("null");
    assertThat(SettingValues.printable("r".repeat(5000)))
        .isEqualTo("r".repeat(4096) + "... (5000 characters)");
  }
}
