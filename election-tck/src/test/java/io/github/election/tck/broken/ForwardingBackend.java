package io.github.election.tck.broken;

import io.github.election.Ticker;
import io.github.election.spi.Candidate;
import io.github.election.spi.CandidateContext;
import io.github.election.spi.Confirmation;
import io.github.election.spi.ElectionBackend;
import io.github.election.tck.ForwardingElectionBackend;
import io.github.election.spi.ElectionSettings;
import io.github.election.spi.Observation;
import java.util.concurrent.CompletionStage;

/**
 * A backend that forwards to a real one; broken backends override {@link #poll}, {@link
 * #release}, {@link #changed} or {@link #observed} of each candidate.
 */
class ForwardingBackend extends ForwardingElectionBackend {

  final ElectionBackend inner;

  ForwardingBackend(ElectionBackend inner) {
    super(inner);
    this.inner = inner;
  }

  /** The poll of one candidate; {@code state} is per candidate, for mutants that remember. */
  CompletionStage<Observation> poll(Candidate real, Object[] state) {
    return real.poll();
  }

  CompletionStage<Void> release(Candidate real) {
    return real.release();
  }

  CompletionStage<Void> handOver(Candidate real, String successor, java.time.Duration timeout) {
    return real.handOver(successor, timeout);
  }

  /** A candidate joined, with the engine's context; for mutants that act on their own. */
  void joined(CandidateContext real) {
  }

  void changed(CandidateContext real) {
    real.changed();
  }

  void observed(CandidateContext real, Observation o) {
    real.observed(o);
  }

  /** A round of an observer ({@link ElectionBackend#observe}); {@code state} is per observer. */
  CompletionStage<Observation> observerPoll(Candidate real, Object[] state) {
    return real.poll();
  }

  /** A change an observer's watch reports. */
  void observerChanged(CandidateContext real) {
    real.changed();
  }

  /** The observer's candidate, when a broken observer replaces it; by default the real one. */
  Candidate observing(CandidateContext wrapped) {
    return inner.observe(wrapped);
  }

  @Override
  public Candidate observe(CandidateContext context) {
    CandidateContext wrapped = new CandidateContext() {
      @Override
      public ElectionSettings settings() {
        return context.settings();
      }

      @Override
      public Ticker ticker() {
        return context.ticker();
      }

      @Override
      public void changed() {
        ForwardingBackend.this.observerChanged(context);
      }

      @Override
      public void observed(Observation observation) {
        context.observed(observation);
      }

      @Override
      public Confirmation confirmation() {
        return context.confirmation();
      }
    };
    Candidate real = observing(wrapped);
    Object[] state = new Object[1];
    return new Candidate() {
      @Override
      public CompletionStage<Observation> poll() {
        return ForwardingBackend.this.observerPoll(real, state);
      }

      @Override
      public CompletionStage<Void> release() {
        return real.release();
      }

      @Override
      public CompletionStage<Void> leave() {
        return real.leave();
      }
    };
  }

  @Override
  public String name() {
    return "broken-" + inner.name();
  }

  @Override
  public Candidate join(CandidateContext context) {
    CandidateContext wrapped = new CandidateContext() {
      @Override
      public ElectionSettings settings() {
        return context.settings();
      }

      @Override
      public Ticker ticker() {
        return context.ticker();
      }

      @Override
      public void changed() {
        ForwardingBackend.this.changed(context);
      }

      @Override
      public void observed(Observation observation) {
        ForwardingBackend.this.observed(context, observation);
      }

      @Override
      public Confirmation confirmation() {
        return context.confirmation();
      }
    };
    joined(context);
    Candidate real = inner.join(wrapped);
    Object[] state = new Object[1];
    return new Candidate() {
      @Override
      public CompletionStage<Observation> poll() {
        return ForwardingBackend.this.poll(real, state);
      }

      @Override
      public CompletionStage<Void> release() {
        return ForwardingBackend.this.release(real);
      }

      @Override
      public CompletionStage<Void> handOver(String successor, java.time.Duration timeout) {
        return ForwardingBackend.this.handOver(real, successor, timeout);
      }

      @Override
      public CompletionStage<Void> leave() {
        return real.leave();
      }
    };
  }

}
