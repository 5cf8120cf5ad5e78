package io.github.election;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ElectionBackendsTest {

  @Test
  void anUnknownSchemeNamesWhatIsAvailableAndWhatToAdd() {
    assertThatThrownBy(() -> ElectionBackends.open("consul://127.0.0.1:8500"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no election backend for scheme 'consul'")
        .hasMessageContaining("on the class path: none")
        .hasMessageContaining("io.github.election:election-consul");
  }

  @Test
  void aUriWithoutSchemeOrMalformedIsRefused() {
    assertThatThrownBy(() -> ElectionBackends.open("127.0.0.1:2181"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ElectionBackends.open("zoo keeper://x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
    assertThatThrownBy(() -> ElectionBackends.open("/just/a/path"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no scheme");
  }
}
