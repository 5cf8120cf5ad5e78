package io.github.election.spring.boot;

import io.github.election.ElectionBackends;
import io.github.election.LeaderElection;
import io.github.election.Ticker;
import io.github.election.micrometer.LeaderElectionMetrics;
import io.github.election.spi.ElectionBackend;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import org.springframework.aop.Advisor;
import org.springframework.aop.config.AopConfigUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.context.annotation.Role;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.integration.leader.event.DefaultLeaderEventPublisher;
import org.springframework.integration.leader.event.LeaderEventPublisher;

/**
 * Leader elections from {@code election.*} properties: the backend (closed with the context),
 * the {@link Elections} (a {@code SmartLifecycle}), the one {@link LeaderElection} when {@code
 * election.name} is set, {@link LeaderOnly} methods, Spring Integration's leader events when
 * {@code spring-integration-core} is on the class path, and, with Actuator, a health indicator
 * ({@code election}), an info contributor and Micrometer meters. Off with {@code
 * election.enabled=false}.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnProperty(prefix = "election", name = "enabled", havingValue = "true",
    matchIfMissing = true)
@EnableConfigurationProperties(ElectionProperties.class)
@Import(ElectionAutoConfiguration.ProxyRegistrar.class)
public class ElectionAutoConfiguration {

  /** The monotonic clock of the elections and of the health indicator's UNKNOWN timeout. */
  private static final Ticker TICKER = Ticker.system();

  /**
   * The store of {@code election.backend}; closed with the context, after the elections.
   *
   * @throws IllegalArgumentException if {@code election.backend} is missing, or names a scheme
   *     that no backend on the class path serves, or is malformed
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public ElectionBackend electionBackend(ElectionProperties properties) {
    String uri = properties.getBackend();
    if (uri == null || uri.isBlank()) {
      throw new IllegalArgumentException("election.backend is required: the URI of the store,"
          + " such as zookeeper://127.0.0.1:2181/elections or memory://demo (or define an"
          + " ElectionBackend bean, or set election.enabled=false)");
    }
    try {
      return ElectionBackends.open(uri);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("election.backend (" + ElectionBackends.redact(uri)
          + "): " + e.getMessage(), e);
    }
  }

  /** The elections of the properties, started and stopped with the context. */
  @Bean
  @ConditionalOnMissingBean
  public Elections elections(ElectionProperties properties, ElectionBackend backend,
      ApplicationEventPublisher publisher,
      ObjectProvider<Elections.LeadershipTranslator> translators) {
    return new Elections(properties, backend, publisher, translators.orderedStream().toList());
  }

  /** The election of {@code election.name}; it is closed by {@link Elections}. */
  @Bean(destroyMethod = "")
  @ConditionalOnProperty(prefix = "election", name = "name")
  @ConditionalOnMissingBean
  public LeaderElection leaderElection(Elections elections, ElectionProperties properties) {
    return elections.get(properties.getName());
  }

  /** Applies {@link LeaderOnly} to the methods that carry it. */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  static Advisor leaderOnlyAdvisor(ObjectProvider<Elections> elections) {
    return new DefaultPointcutAdvisor(AnnotationMatchingPointcut.forMethodAnnotation(
        LeaderOnly.class), new LeaderOnlyInterceptor(elections));
  }

  /** Makes sure beans with {@link LeaderOnly} methods are proxied (class proxies). */
  static final class ProxyRegistrar implements ImportBeanDefinitionRegistrar {
    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata,
        BeanDefinitionRegistry registry) {
      AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
      AopConfigUtils.forceAutoProxyCreatorToUseClassProxying(registry);
    }
  }

  /** Spring Integration's leader events, when it is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.integration.leader.event.LeaderEventPublisher")
  static class IntegrationEvents {

    @Bean
    IntegrationLeaderEvents electionIntegrationLeaderEvents(
        ObjectProvider<LeaderEventPublisher> publishers, ApplicationEventPublisher events) {
      return new IntegrationLeaderEvents(
          publishers.getIfAvailable(() -> new DefaultLeaderEventPublisher(events)));
    }
  }

  /** Health indicator {@code election}, when spring-boot-health is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  @ConditionalOnProperty(prefix = "management.health.election", name = "enabled",
      matchIfMissing = true)
  static class HealthConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "electionHealthIndicator")
    ElectionHealthIndicator electionHealthIndicator(Elections elections,
        ElectionProperties properties) {
      return new ElectionHealthIndicator(elections, properties.getHealth(), TICKER);
    }
  }

  /** Info contributor {@code election}, when spring-boot-actuator is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.info.InfoContributor")
  @ConditionalOnProperty(prefix = "management.info.election", name = "enabled",
      matchIfMissing = true)
  static class InfoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "electionInfoContributor")
    ElectionInfoContributor electionInfoContributor(Elections elections) {
      return new ElectionInfoContributor(elections, TICKER, Clock.systemUTC());
    }
  }

  /**
   * Meters of every election ({@link LeaderElectionMetrics}), when a {@link MeterRegistry}
   * exists: Spring Boot binds the binder to it before the elections start.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"io.micrometer.core.instrument.MeterRegistry",
      "io.github.election.micrometer.LeaderElectionMetrics"})
  @ConditionalOnBean(type = "io.micrometer.core.instrument.MeterRegistry")
  static class MetricsConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    LeaderElectionMetrics electionMetrics(Elections elections) {
      return new LeaderElectionMetrics(elections.all().values(), Tags.empty(), TICKER);
    }
  }
}
