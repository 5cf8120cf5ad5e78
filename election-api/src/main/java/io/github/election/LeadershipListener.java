package io.github.election;

/**
 * Receives the changes of one election's leadership.
 *
 * <p><b>Guarantees.</b> When {@link #onChange} runs, the election's getters already show the
 * change it reports, or a later one. After every change, the listener is called at least once
 * more. Calls of one listener never overlap and never go back in time (the {@link
 * LeadershipEvent#sequence() sequence} of the events it receives increases). Right after
 * {@link LeaderElection#subscribe} the listener is called once with the current view, even if
 * nothing changes afterwards.
 *
 * <p><b>Coalescing.</b> A listener that is still busy when changes happen has at most one call
 * pending, and that call carries the latest view when it runs: a slow listener skips
 * intermediate states instead of falling behind. The event is a snapshot: re-read
 * {@link LeaderElection#current()} before an action that must not outlive leadership.
 *
 * <p><b>Threading.</b> Listeners run on the election's notification executor, never on the
 * thread that renews leadership. A listener that throws is logged and keeps its subscription;
 * a listener that blocks holds up only itself. Calling {@link LeaderElection#close()} from a
 * listener is allowed.
 */
@FunctionalInterface
public interface LeadershipListener {

  /**
   * Called with the current view after it changed (or once, at subscription).
   *
   * @param event the newest view at the time of the call; never null
   */
  void onChange(LeadershipEvent event);
}
