package io.github.election.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A method of a Spring bean that runs only while this instance leads: a call made while the
 * election is not {@code LEADER} is skipped (logged at debug) and returns {@code null}, or zero
 * or false for a primitive type. Typically on {@code @Scheduled} methods, so that one replica
 * of many does the work.
 *
 * <pre>{@code
 * @Scheduled(fixedDelay = 60_000)
 * @LeaderOnly
 * void dispatchChecks() {
 *   long term = ElectionTerm.current();   // the fencing token of this leadership period
 *   ...
 * }
 * }</pre>
 *
 * <p>Leadership is checked when the call starts; a call under way is not interrupted when
 * leadership ends. Pass {@link ElectionTerm#current()} to the writes the method makes, so that a
 * store that records the highest term can refuse the writes of a former leader. The bean is
 * proxied (a class proxy): the annotation works on calls from other beans, not on a call of the
 * bean to itself.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface LeaderOnly {

  /** The election; may be left out when the application has one. */
  String value() default "";
}
