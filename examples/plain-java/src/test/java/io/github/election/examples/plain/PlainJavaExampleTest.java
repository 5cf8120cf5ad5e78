package io.github.election.examples.plain;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.election.zookeeper.testing.EmbeddedZooKeeper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The plain Java example, run as its main method runs it: on ZooKeeper in the process. */
class PlainJavaExampleTest {

  @Test
  void oneLeadsThenTheNextAfterAResignThenTheNextAfterAClose() throws InterruptedException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<String> leaders;
    try (EmbeddedZooKeeper zookeeper = EmbeddedZooKeeper.start();
         PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      leaders = PlainJavaExample.run(zookeeper.uri("/examples").toString(), out);
    }
    String output = bytes.toString(StandardCharsets.UTF_8);
    assertThat(leaders).hasSize(3);
    assertThat(leaders.get(1)).as("a resigned leader lets another lead").isNotEqualTo(leaders.get(0));
    assertThat(leaders.get(2)).as("a closed leader is gone").isNotEqualTo(leaders.get(1));
    assertThat(output).contains(leaders.get(0) + ": resigning",
        leaders.get(1) + ": closing (the process ends)", "leaders in turn: " + leaders);
    for (String leader : leaders) {
      assertThat(output).contains(leader + ": leading with term");
    }
  }
}
