package io.github.election.tck;

import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.ElectionBackend;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.LeaderInfo;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A backend that forwards every call to another: the base of a fixture's client that carries
 * more than the backend (the proxy it talks through, the member it is pinned to), and of
 * wrappers that change one call. Thread-safe as the delegate is.
 */
public class ForwardingElectionBackend implements ElectionBackend {

  private final ElectionBackend delegate;

  /** Forwards to {@code delegate}. */
  public ForwardingElectionBackend(ElectionBackend delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The backend calls go to. */
  public ElectionBackend delegate() {
    return delegate;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public void validate(ElectionSettings settings) {
    delegate.validate(settings);
  }

  @Override
  public Candidate join(CandidateContext context) {
    return delegate.join(context);
  }

  @Override
  public Candidate observe(CandidateContext context) {
    return delegate.observe(context);
  }

  @Override
  public CompletionStage<LeaderInfo> inspect(String election) {
    return delegate.inspect(election);
  }

  @Override
  public CompletionStage<java.util.List<io.github.election.spi.OpenCandidate>> candidates(
      String election) {
    return delegate.candidates(election);
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
