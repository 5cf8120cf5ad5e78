package io.github.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
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

  @Test
  void secretsOfAUriAreHiddenWhenItIsShown() {
    assertThat(ElectionBackends.redact(URI.create(
        "zookeeper://bob:hunter2@zk1:2181,zk2:2181/elections?sessionTimeout=3s")))
        .isEqualTo("zookeeper://bob:***@zk1:2181,zk2:2181/elections?sessionTimeout=3s");
    assertThat(ElectionBackends.redact(URI.create(
        "etcd://127.0.0.1:2379/e?user=root&Password=s3cret&ttl=5s&token=t")))
        .isEqualTo("etcd://127.0.0.1:2379/e?user=root&Password=***&ttl=5s&token=***");
    assertThat(ElectionBackends.redact(URI.create("kubernetes:///agents")))
        .isEqualTo("kubernetes:///agents");
    assertThat(ElectionBackends.redact(URI.create("memory://x"))).isEqualTo("memory://x");
    assertThatThrownBy(() -> ElectionBackends.open("consul://u:pw@127.0.0.1:8500"))
        .hasMessageContaining("u:***@").hasMessageNotContaining("pw");
  }
}
