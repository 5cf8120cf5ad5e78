package io.github.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionBackendProvider;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      // user information: a bare token is as secret as a password
      "zookeeper://secrettoken@zk1:2181/e | zookeeper://***@zk1:2181/e",
      "zookeeper://bob:hunter2@zk1:2181/e | zookeeper://bob:***@zk1:2181/e",
      "zookeeper://bob:@zk1:2181/e | zookeeper://bob:***@zk1:2181/e",
      "zookeeper://bob:p@ss@zk1:2181/e | zookeeper://bob:***@zk1:2181/e",
      "zookeeper://bob:hunter2@zk1:2181/e@x | zookeeper://bob:***@zk1:2181/e@x",
      // opaque URIs are read as if they had their //
      "zookeeper:bob:hunter2@zk1:2181/e | zookeeper:bob:***@zk1:2181/e",
      "zookeeper:secrettoken@zk1 | zookeeper:***@zk1",
      "etcd:127.0.0.1:2379?user=root&password=s3cret | etcd:127.0.0.1:2379?user=root&password=***",
      "etcd:bob:hunter2@h:1/e#frag | etcd:bob:***@h:1/e#***",
      "kubernetes:agents | kubernetes:agents",
      // parameter names are decoded, compared without case and non-letters
      "etcd://h:2379/e?pass%77ord=s3cret | etcd://h:2379/e?pass%77ord=***",
      "etcd://h:2379/e?%70assword=s3cret&ttl=5s | etcd://h:2379/e?%70assword=***&ttl=5s",
      "etcd://h:2379/e?pass_word=a&PWD=b&client-secret=c | etcd://h:2379/e?pass_word=***&PWD=***&client-secret=***",
      "etcd://h:2379/e?authToken=a&apiKey=b&credentials=c | etcd://h:2379/e?authToken=***&apiKey=***&credentials=***",
      "etcd://h:2379/e?password | etcd://h:2379/e?password",
      "etcd://h:2379/e?cacert=/ca.pem&key=/k.pem | etcd://h:2379/e?cacert=/ca.pem&key=/k.pem",
      // what has no secret is shown as given
      "kubernetes:///agents | kubernetes:///agents",
      "kubernetes:/agents | kubernetes:/agents",
      "memory://x | memory://x",
      "//bob:hunter2@h:1/e | //bob:***@h:1/e",
      "zookeeper://h:2181/e#hunter2 | zookeeper://h:2181/e#***",
  })
  void everythingThatMayBeASecretIsHidden(String uri, String shown) {
    assertThat(ElectionBackends.redact(URI.create(uri))).isEqualTo(shown);
    assertThat(ElectionBackends.redact(uri)).isEqualTo(shown);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "zoo keeper://bob:hunter2@h:1 | ***",
      "zookeeper://bob:hunter2@h:1/e f | zookeeper:***",
      "zookeeper://bob:hunter2@[h:1/e | zookeeper:***",
      "etcd:bob:hunter2@h:1 e | etcd:***",
      "etcd://h:2379/e?pa%zzss=hunter2 | etcd:***",
      "'  zookeeper://bob:hunter2@h' | ***",
  })
  void textThatIsNoUriShowsAtMostItsScheme(String text, String shown) {
    assertThat(ElectionBackends.redact(text)).isEqualTo(shown);
    assertThatThrownBy(() -> ElectionBackends.open(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("backend URI '" + shown + "' is malformed")
        .hasMessageNotContaining("hunter2").hasNoCause();
  }

  @Test
  void aProviderThatPrintsTheUriAsItIsHasItsMessageScrubbed() {
    withProvider(() -> {
      assertThatThrownBy(() -> ElectionBackends.open("leaky://bob:hunter2@h:1/e?token=t0ken1"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("leaky URI 'leaky://bob:***@h:1/e?token=***' refused (password hunter2? "
              .replace("hunter2", "***") + "token ***)")
          .hasNoCause();
      assertThatThrownBy(() -> ElectionBackends.open(URI.create("leaky:secrettoken@h")))
          .hasMessageStartingWith("leaky URI 'leaky:***@h' refused")
          .hasMessageNotContaining("secrettoken");
      assertThatThrownBy(() -> ElectionBackends.open("leaky://h:1/e?pass%77ord=s3cr%65t"))
          .hasMessageStartingWith("leaky URI 'leaky://h:1/e?pass%77ord=***' refused")
          .hasMessageNotContaining("s3cret").hasMessageNotContaining("s3cr%65t");
      // a message that shows no secret is left as it is, and so is the exception
      assertThatThrownBy(() -> ElectionBackends.open("leaky://h:1/e"))
          .hasMessage("leaky URI 'leaky://h:1/e' refused (password null? token null)")
          .hasCauseInstanceOf(IllegalStateException.class);
      return null;
    });
  }

  /** A provider whose messages print the URI and its secrets as they are. */
  public static final class LeakyProvider implements ElectionBackendProvider {

    @Override
    public String scheme() {
      return "leaky";
    }

    @Override
    public String description() {
      return "leaky://..., prints what it is given";
    }

    @Override
    public ElectionBackend open(URI uri) {
      URI u = uri.isOpaque() ? URI.create("leaky://" + uri.getSchemeSpecificPart()) : uri;
      String userInfo = u.getUserInfo();
      String password = userInfo == null ? null : userInfo.substring(userInfo.indexOf(':') + 1);
      String token = u.getQuery() == null ? null : u.getQuery()
          .replaceAll(".*(?:token|password)=([^&]*).*", "$1");
      throw new IllegalArgumentException("leaky URI '" + uri + "' refused (password " + password
          + "? token " + token + ")", new IllegalStateException(uri.toString()));
    }
  }

  /** Runs with {@link LeakyProvider} found by ServiceLoader through the context class loader. */
  private static <T> T withProvider(Supplier<T> body) {
    Thread thread = Thread.currentThread();
    ClassLoader parent = thread.getContextClassLoader();
    String services = "META-INF/services/" + ElectionBackendProvider.class.getName();
    ClassLoader withLeaky = new ClassLoader(parent) {
      @Override
      public java.util.Enumeration<java.net.URL> getResources(String name)
          throws java.io.IOException {
        if (!name.equals(services)) {
          return super.getResources(name);
        }
        java.net.URL url = new java.net.URL(null, "leaky:services", new java.net.URLStreamHandler() {
          @Override
          protected java.net.URLConnection openConnection(java.net.URL u) {
            return new java.net.URLConnection(u) {
              @Override
              public void connect() {
              }

              @Override
              public InputStream getInputStream() {
                return new ByteArrayInputStream(LeakyProvider.class.getName()
                    .getBytes(StandardCharsets.UTF_8));
              }
            };
          }
        });
        return java.util.Collections.enumeration(java.util.List.of(url));
      }
    };
    thread.setContextClassLoader(withLeaky);
    try {
      return body.get();
    } finally {
      thread.setContextClassLoader(parent);
    }
  }
}
