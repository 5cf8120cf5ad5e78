package io.github.election.spring.boot;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import io.github.election.Subscription;
import io.github.election.spi.ElectionBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * The elections of the application, built from {@link ElectionProperties} when the context is
 * created (a setting the library refuses fails the start, naming the property), started when
 * the context has started everything else, and closed first when it stops, so that leadership
 * is handed over at once, before the web server and the pools stop.
 *
 * <p><b>Events.</b> Each change of an election's view is published as a {@link
 * LeadershipChangedEvent}; with {@code spring-integration-core} on the class path, gaining and
 * losing leadership are also published as Spring Integration's {@code OnGrantedEvent} and
 * {@code OnRevokedEvent}, with the election's name as the role. Events of one election are
 * published in order, one at a time, on the library's listener threads (coalesced: a change
 * that was overtaken before it could be told may be skipped, never reordered).
 *
 * <p>Thread-safe. The elections cannot be started again once stopped.
 */
public class Elections implements SmartLifecycle, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Elections.class);
  private static final Pattern SETTING =
      Pattern.compile("\\b(name|identity|leaseDuration|renewDeadline|retryPeriod|drainTimeout)\\b");

  private final Map<String, LeaderElection> elections;
  private final ApplicationEventPublisher publisher;
  private final List<LeadershipTranslator> translators;
  private final List<Subscription> subscriptions = new ArrayList<>();
  private boolean running;
  private boolean stopped;

  /**
   * Builds the elections the properties describe.
   *
   * @throws IllegalArgumentException if the properties name no election, or if the library
   *     refuses a setting; the message names the property ({@code election.renew-deadline},
   *     {@code election.elections.NAME.retry-period}) and the value
   */
  Elections(ElectionProperties properties, ElectionBackend backend,
      ApplicationEventPublisher publisher, List<LeadershipTranslator> translators) {
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.translators = List.copyOf(translators);
    Map<String, LeaderElection> built = new LinkedHashMap<>();
    if (properties.getName() != null) {
      built.put(properties.getName(), build(backend, "election", properties.getName(),
          properties.getIdentity(), properties.getLeaseDuration(), properties.getRenewDeadline(),
          properties.getRetryPeriod(), properties.getDrainTimeout()));
    }
    properties.getElections().forEach((name, e) -> {
      if (built.containsKey(name)) {
        throw new IllegalArgumentException("election.elections." + name + " names the same"
            + " election as election.name (" + name + "): give it once");
      }
      built.put(name, build(backend, "election.elections." + name, name,
          or(e.getIdentity(), properties.getIdentity()),
          or(e.getLeaseDuration(), properties.getLeaseDuration()),
          or(e.getRenewDeadline(), properties.getRenewDeadline()),
          or(e.getRetryPeriod(), properties.getRetryPeriod()),
          or(e.getDrainTimeout(), properties.getDrainTimeout())));
    });
    if (built.isEmpty()) {
      throw new IllegalArgumentException("no election configured: set election.name (or"
          + " election.elections.NAME.*), or election.enabled=false");
    }
    this.elections = Collections.unmodifiableMap(built);
  }

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }

  private static LeaderElection build(ElectionBackend backend, String prefix, String name,
      String identity, Duration leaseDuration, Duration renewDeadline, Duration retryPeriod,
      Duration drainTimeout) {
    try {
      LeaderElection.Builder b = LeaderElection.builder(backend).name(name);
      if (identity != null) {
        b.identity(identity);
      }
      return b.leaseDuration(leaseDuration).renewDeadline(renewDeadline).retryPeriod(retryPeriod)
          .drainTimeout(drainTimeout).build();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("invalid election properties: "
          + propertyNames(String.valueOf(e.getMessage()), prefix), e);
    }
  }

  /** The library's setting names in a message, as the properties that set them. */
  static String propertyNames(String message, String prefix) {
    Matcher m = SETTING.matcher(message);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String kebab = m.group(1).replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
      String property = kebab.equals("name") && !prefix.equals("election")
          ? prefix : prefix + "." + kebab;
      m.appendReplacement(out, Matcher.quoteReplacement(property));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The elections by name, in the order of the properties. */
  public Map<String, LeaderElection> all() {
    return elections;
  }

  /**
   * The election of that name.
   *
   * @throws IllegalArgumentException if there is none; the message lists those there are
   */
  public LeaderElection get(String name) {
    LeaderElection e = elections.get(name);
    if (e == null) {
      throw new IllegalArgumentException("no election named '" + name + "'; configured: "
          + elections.keySet());
    }
    return e;
  }

  /**
   * The one election of the application.
   *
   * @throws IllegalStateException if there are several; the message lists them
   */
  public LeaderElection single() {
    if (elections.size() != 1) {
      throw new IllegalStateException("several elections are configured " + elections.keySet()
          + ": name the one meant");
    }
    return elections.values().iterator().next();
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    if (stopped) {
      throw new IllegalStateException("the elections were closed when the context stopped;"
          + " they cannot start again");
    }
    for (LeaderElection e : elections.values()) {
      subscriptions.add(e.subscribe(new Teller(e)));
      e.start();
    }
    running = true;
  }

  /** Closes every election: each leaves leadership and releases it in the store at once. */
  @Override
  public synchronized void stop() {
    stopped = true;
    running = false;
    elections.values().forEach(LeaderElection::close);
    subscriptions.forEach(Subscription::close);
    subscriptions.clear();
  }

  /**
   * The same as {@link #stop()}; what the context calls when it is destroyed, so that elections
   * built for a context that failed to start are closed too. Idempotent.
   */
  @Override
  public void close() {
    stop();
  }

  @Override
  public synchronized boolean isRunning() {
    return running;
  }

  /** {@link SmartLifecycle#DEFAULT_PHASE}: started last, stopped first. */
  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE;
  }

  /** Tells one election's changes as application events, in order. */
  private final class Teller implements io.github.election.LeadershipListener {

    private final LeaderElection election;
    private LeadershipEvent previous; // only the listener's thread, one call at a time

    Teller(LeaderElection election) {
      this.election = election;
    }

    @Override
    public void onChange(LeadershipEvent event) {
      LeadershipEvent before = previous;
      previous = event;
      for (LeadershipTranslator t : translators) {
        try {
          t.changed(election, before, event);
        } catch (RuntimeException e) {
          log.warn("{}: a leader event listener threw", election.name(), e);
        }
      }
      try {
        publisher.publishEvent(new LeadershipChangedEvent(election, before, event));
      } catch (RuntimeException e) {
        log.warn("{}: a LeadershipChangedEvent listener threw", election.name(), e);
      }
    }
  }

  /** Something more to tell of each change: Spring Integration's leader events. */
  interface LeadershipTranslator {

    /**
     * One change of one election, in order.
     *
     * @param previous the view told before, null for the first
     */
    void changed(LeaderElection election, LeadershipEvent previous, LeadershipEvent now);
  }
}
