package io.github.election.examples.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * A service of which several replicas run; one of them, the leader, runs the {@link ReportJob}.
 * Start two on one machine against one ZooKeeper (see examples/README.md).
 */
@SpringBootApplication
@EnableScheduling
public class ExampleApplication {

  public static void main(String[] args) {
    SpringApplication.run(ExampleApplication.class, args);
  }
}
