package io.github.election.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.github.election.spi.OpenCandidate;
import io.github.election.spi.record.CandidateRoster;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The candidates of priority above 0, as one {@code coordination.k8s.io/v1} Lease each
 * (docs/CONTROL.md): named {@code <election's Lease>-c-<16 hex digits of SHA-256(identity)>},
 * labelled {@value #CANDIDATE_OF} with the election's Lease name (or a hash of it when longer than
 * a label value may be), annotated with {@value #ELECTION} (the election) and {@value #PRIORITY};
 * {@code spec.holderIdentity} is the candidate's identity, {@code renewTime} and {@code
 * leaseDurationSeconds} say until when it counts as open. Kubernetes' own {@code LeaseCandidate}
 * (coordination.k8s.io/v1alpha2, v1beta1) is not on every server; a Lease is. A list judges an
 * entry open while its renew time plus its duration has not passed by this process's wall clock:
 * a wrong judgement of a skewed clock costs a handover to a candidate that left (the handover
 * timeout), never safety. {@code kubectl get leases -l election.github.io/candidate-of=NAME}
 * shows them.
 */
final class LeaseRoster implements CandidateRoster {

  private static final Logger log = LoggerFactory.getLogger(LeaseRoster.class);

  static final String CANDIDATE_OF = "election.github.io/candidate-of";
  static final String ELECTION = "election.github.io/election";
  static final String PRIORITY = "election.github.io/priority";
  private static final int TIMEOUT_MILLIS = 2000;
  private static final int MAX_LABEL_VALUE = 63;

  private final KubernetesElectionBackend backend;

  LeaseRoster(KubernetesElectionBackend backend) {
    this.backend = backend;
  }

  /** The name of a candidate's Lease. */
  String entryName(String election, String identity) {
    String suffix = "-c-" + sha256(identity).substring(0, 16);
    String base = backend.leaseName(election);
    return base.length() + suffix.length() <= 253 ? base + suffix
        : "election-candidate-" + sha256(election + "\0" + identity).substring(0, 40);
  }

  /** The label value that groups the candidates of an election. */
  String labelOf(String election) {
    String lease = backend.leaseName(election);
    return lease.length() <= MAX_LABEL_VALUE ? lease : "h-" + sha256(lease).substring(0, 40);
  }

  @Override
  public CompletionStage<Void> announce(String election, String identity, int priority,
      Duration ttl) {
    Lease entry = new LeaseBuilder().withNewMetadata()
        .withName(entryName(election, identity))
        .withLabels(Map.of(CANDIDATE_OF, labelOf(election)))
        .withAnnotations(Map.of(ELECTION, election, PRIORITY, Integer.toString(priority)))
        .endMetadata().withNewSpec()
        .withHolderIdentity(identity)
        .withLeaseDurationSeconds(LeaseStore.leaseSeconds(ttl))
        .withRenewTime(ZonedDateTime.ofInstant(Instant.now(), ZoneOffset.UTC)
            .truncatedTo(ChronoUnit.MICROS))
        .endSpec().build();
    return call("write", entry.getMetadata().getName(), () -> {
      backend.leases(TIMEOUT_MILLIS).resource(entry).createOr(NonDeletingOperation::update);
      return null;
    });
  }

  @Override
  public CompletionStage<Void> withdraw(String election, String identity) {
    String name = entryName(election, identity);
    return call("delete", name, () -> {
      backend.leases(TIMEOUT_MILLIS).withName(name).delete();
      return null;
    });
  }

  /**
   * The open candidates, highest priority first. Entries of this election that ran out more than
   * their own duration ago (a candidate that crashed: one alive writes its entry again three times
   * per duration) are deleted afterwards, in the background, each only at the version listed, so
   * that pods that come and go under new names leave no Lease behind for good.
   */
  @Override
  public CompletionStage<List<OpenCandidate>> list(String election) {
    return call("list", "-l " + CANDIDATE_OF + "=" + labelOf(election), () -> {
      Instant now = Instant.now();
      List<OpenCandidate> out = new ArrayList<>();
      List<Lease> gone = new ArrayList<>();
      for (Lease l : backend.leases(TIMEOUT_MILLIS).withLabel(CANDIDATE_OF, labelOf(election))
          .list().getItems()) {
        OpenCandidate c = decode(l, election, now);
        if (c != null) {
          out.add(c);
        } else if (longGone(l, election, now)) {
          gone.add(l);
        }
      }
      if (!gone.isEmpty()) {
        removeLater(gone);
      }
      out.sort(Comparator.comparingInt(OpenCandidate::priority).reversed()
          .thenComparing(OpenCandidate::identity));
      return out;
    });
  }

  /** Whether an entry of {@code election} ran out more than its own duration before now. */
  static boolean longGone(Lease l, String election, Instant now) {
    if (!isEntryOf(l, election)) {
      return false;
    }
    long seconds = l.getSpec().getLeaseDurationSeconds();
    return l.getSpec().getRenewTime().toInstant().plusSeconds(2 * seconds).isBefore(now);
  }

  /** Whether a Lease is an entry of {@code election}'s roster with a renew time and a duration. */
  private static boolean isEntryOf(Lease l, String election) {
    Map<String, String> annotations = l.getMetadata() == null ? null
        : l.getMetadata().getAnnotations();
    return annotations != null && election.equals(annotations.get(ELECTION))
        && l.getSpec() != null && l.getSpec().getRenewTime() != null
        && l.getSpec().getLeaseDurationSeconds() != null;
  }

  /** Deletes entries long gone, each at the version listed (a renewal since wins); best effort. */
  private void removeLater(List<Lease> gone) {
    try {
      backend.io().execute(() -> {
        for (Lease l : gone) {
          String name = l.getMetadata().getName();
          try {
            backend.leases(TIMEOUT_MILLIS).withName(name)
                .lockResourceVersion(l.getMetadata().getResourceVersion()).delete();
            log.debug("{}: deleted candidate Lease {}, which ran out at {} + {} s", backend.label(),
                name, l.getSpec().getRenewTime(), l.getSpec().getLeaseDurationSeconds());
          } catch (KubernetesClientException e) {
            log.debug("{}: candidate Lease {} not deleted: {}", backend.label(), name,
                e.getMessage());
          }
        }
      });
    } catch (RejectedExecutionException e) {
      // closed or busy: the next list tries again
    }
  }

  /** The candidate a Lease of the roster describes, or null if it is not one, or ran out. */
  static OpenCandidate decode(Lease l, String election, Instant now) {
    if (!isEntryOf(l, election) || l.getSpec().getHolderIdentity() == null
        || l.getSpec().getHolderIdentity().isEmpty()) {
      return null;
    }
    Map<String, String> annotations = l.getMetadata().getAnnotations();
    Instant until = l.getSpec().getRenewTime().toInstant()
        .plusSeconds(l.getSpec().getLeaseDurationSeconds());
    if (!until.isAfter(now)) {
      return null;
    }
    int priority;
    try {
      priority = Math.max(0, Integer.parseInt(annotations.getOrDefault(PRIORITY, "0").trim()));
    } catch (NumberFormatException e) {
      priority = 0;
    }
    return new OpenCandidate(l.getSpec().getHolderIdentity(), priority);
  }

  private <T> CompletionStage<T> call(String verb, String what, Supplier<T> request) {
    try {
      return CompletableFuture.supplyAsync(() -> {
        try {
          return request.get();
        } catch (KubernetesClientException e) {
          if (e.getCode() == 403 || e.getCode() == 401) {
            throw new Forbidden(Forbidden.describe(verb, backend, e), e);
          }
          throw Unreachable.of(verb + " of candidate Lease " + backend.namespaceName() + "/"
              + what, backend.apiServer(), TIMEOUT_MILLIS, e);
        }
      }, backend.io());
    } catch (RejectedExecutionException r) {
      return CompletableFuture.failedFuture(new IllegalStateException(backend.label()
          + (backend.isClosed() ? " is closed" : ": too many requests queued"), r));
    }
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this JVM", e);
    }
  }
}
