/**
 * Spring Boot auto-configuration of leader elections: {@code election.*} properties, the
 * backend and elections as beans, {@code @LeaderOnly}, Spring Integration's leader events,
 * health, info and metrics. Spring reads the package reflectively: it is open to it.
 */
module io.github.election.spring.boot {
  requires transitive io.github.election;
  requires transitive spring.context;
  requires spring.aop;
  requires spring.beans;
  requires spring.boot;
  requires spring.boot.autoconfigure;
  requires spring.core;
  requires org.slf4j;
  requires static io.github.election.micrometer;
  requires static micrometer.core;
  requires static spring.boot.actuator;
  requires static spring.boot.health;
  requires static spring.integration.core;

  exports io.github.election.spring.boot;
  opens io.github.election.spring.boot;
}
