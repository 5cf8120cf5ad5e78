package io.github.election.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class UriParametersTest {

  @Test
  void valuesArePercentDecodedAndAPlusStaysAPlus() {
    UriParameters p = UriParameters.of(URI.create("etcd://h:1/x?password=a+b%2Bc%20d&ttl=15s"));
    assertThat(p.take("password")).contains("a+b+c d");
    assertThat(p.take("TTL")).as("names match without regard to case").contains("15s");
    assertThat(p.take("user")).isEmpty();
    p.requireNoneLeft();
  }

  @Test
  void unknownParametersAreRefusedWithTheKnownOnesAndNoSecret() {
    UriParameters p = UriParameters.of(URI.create("etcd://u:secret@h:1/x?ttl=1&colour=red"));
    p.take("ttl");
    p.take("user");
    assertThatThrownBy(p::requireNoneLeft).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[colour]").hasMessageContaining("known: ttl, user")
        .hasMessageNotContaining("secret");
  }

  @Test
  void aParameterGivenTwiceIsRefused() {
    assertThatThrownBy(() -> UriParameters.of(URI.create("zookeeper://h:1/x?acl=open&ACL=read")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("repeats the parameter");
  }
}
