package io.github.election.kubernetes;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The provider's own messages never show a secret of the URI it refuses (called directly, not
 * through {@code ElectionBackends.open}, which would scrub them). No I/O happens here.
 */
class KubernetesBackendProviderTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "kubernetes://admin:hunter2@api:6443/ns | kubernetes://admin:***@api:6443/ns | names a host",
      "kubernetes://hunter2@api:6443/ns | kubernetes://***@api:6443/ns | names a host",
      "kubernetes:admin:hunter2@api/ns | kubernetes:admin:***@api/ns | is opaque",
      "kubernetes:hunter2@api | kubernetes:***@api | is opaque",
      "kubernetes:///ns?token=hunter2 | kubernetes:///ns?token=*** | has a query or fragment",
      "kubernetes:///ns?pass%77ord=hunter2 | kubernetes:///ns?pass%77ord=*** | has a query",
      "kubernetes:///ns#hunter2 | kubernetes:///ns#*** | has a query or fragment",
  })
  void refusedUrisAreShownWithoutTheirSecrets(String uri, String shown, String reason) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new KubernetesBackendProvider().open(URI.create(uri)))
        .withMessageContaining("kubernetes URI '" + shown + "' " + reason)
        .withMessageNotContaining("hunter2");
  }
}
