package io.github.election.spring.boot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The settings of the elections of an application, under {@code election.*}. Every duration
 * and name is checked when the context starts, by the library's own builder: a refusal fails
 * the start with the library's message, naming the property and the value.
 *
 * <pre>
 * election.backend=zookeeper://zk1:2181,zk2:2181/elections
 * election.name=nightly-report
 * # several elections: each inherits the settings above that it does not set itself
 * election.elections.billing.retry-period=1s
 * election.elections.cleanup.identity=worker-7
 * </pre>
 */
@ConfigurationProperties("election")
public class ElectionProperties {

  /** Whether to configure elections at all. */
  private boolean enabled = true;

  /**
   * The store, as a URI of a backend on the class path: zookeeper://host:port/base/path,
   * etcd://host:port/prefix, kubernetes:///namespace, memory://name. Not needed when the
   * application defines an ElectionBackend bean.
   */
  private String backend;

  /** The name of the application's election, when it takes part in one. */
  private String name;

  /**
   * This instance's identity among the candidates. Default: the host name (HOSTNAME, a pod's
   * name) followed by a random suffix, as the library gives.
   */
  private String identity;

  /** D: how long the store keeps a lease after its last renewal. */
  private Duration leaseDuration = Duration.ofSeconds(15);

  /** R: how long a leader stays leader after the send time of its last confirmed renewal. */
  private Duration renewDeadline = Duration.ofSeconds(10);

  /** P: the interval between two rounds with the store. */
  private Duration retryPeriod = Duration.ofSeconds(2);

  /** How long resign and close wait for leader work and busy listeners. */
  private Duration drainTimeout = Duration.ofSeconds(5);

  /** More elections, by name; each inherits what it does not set from the settings above. */
  private Map<String, Election> elections = new LinkedHashMap<>();

  private final Health health = new Health();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getBackend() {
    return backend;
  }

  public void setBackend(String backend) {
    this.backend = backend;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getIdentity() {
    return identity;
  }

  public void setIdentity(String identity) {
    this.identity = identity;
  }

  public Duration getLeaseDuration() {
    return leaseDuration;
  }

  public void setLeaseDuration(Duration leaseDuration) {
    this.leaseDuration = leaseDuration;
  }

  public Duration getRenewDeadline() {
    return renewDeadline;
  }

  public void setRenewDeadline(Duration renewDeadline) {
    this.renewDeadline = renewDeadline;
  }

  public Duration getRetryPeriod() {
    return retryPeriod;
  }

  public void setRetryPeriod(Duration retryPeriod) {
    this.retryPeriod = retryPeriod;
  }

  public Duration getDrainTimeout() {
    return drainTimeout;
  }

  public void setDrainTimeout(Duration drainTimeout) {
    this.drainTimeout = drainTimeout;
  }

  public Map<String, Election> getElections() {
    return elections;
  }

  public void setElections(Map<String, Election> elections) {
    this.elections = elections;
  }

  public Health getHealth() {
    return health;
  }

  /** One more election, named by its key under {@code election.elections}. */
  public static class Election {

    /** This instance's identity in this election. Default: election.identity. */
    private String identity;

    /** D for this election. Default: election.lease-duration. */
    private Duration leaseDuration;

    /** R for this election. Default: election.renew-deadline. */
    private Duration renewDeadline;

    /** P for this election. Default: election.retry-period. */
    private Duration retryPeriod;

    /** The drain timeout for this election. Default: election.drain-timeout. */
    private Duration drainTimeout;

    public String getIdentity() {
      return identity;
    }

    public void setIdentity(String identity) {
      this.identity = identity;
    }

    public Duration getLeaseDuration() {
      return leaseDuration;
    }

    public void setLeaseDuration(Duration leaseDuration) {
      this.leaseDuration = leaseDuration;
    }

    public Duration getRenewDeadline() {
      return renewDeadline;
    }

    public void setRenewDeadline(Duration renewDeadline) {
      this.renewDeadline = renewDeadline;
    }

    public Duration getRetryPeriod() {
      return retryPeriod;
    }

    public void setRetryPeriod(Duration retryPeriod) {
      this.retryPeriod = retryPeriod;
    }

    public Duration getDrainTimeout() {
      return drainTimeout;
    }

    public void setDrainTimeout(Duration drainTimeout) {
      this.drainTimeout = drainTimeout;
    }
  }

  /** How the health indicator reads the elections. */
  public static class Health {

    /**
     * How long an election may stay UNKNOWN (the store does not answer) before the indicator
     * reports unknown-status; until then, and while the store answers, it is UP, whether this
     * instance leads or follows.
     */
    private Duration unknownTimeout = Duration.ofSeconds(30);

    /** The status reported past unknown-timeout: OUT_OF_SERVICE or DOWN. */
    private String unknownStatus = "OUT_OF_SERVICE";

    public Duration getUnknownTimeout() {
      return unknownTimeout;
    }

    public void setUnknownTimeout(Duration unknownTimeout) {
      this.unknownTimeout = unknownTimeout;
    }

    public String getUnknownStatus() {
      return unknownStatus;
    }

    public void setUnknownStatus(String unknownStatus) {
      this.unknownStatus = unknownStatus;
    }
  }
}
