package io.github.election.zookeeper;

import io.github.election.spi.OpenCandidate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Which children of an election node are candidates, and which of them leads; shared by the
 * candidates' rounds and by {@code inspect}.
 *
 * <p>A candidate node is named as Curator's {@code LeaderLatch} names its own, {@code
 * _c_<uuid>-latch-<sequence>}, and is ephemeral ({@code ephemeralOwner != 0}). Other children
 * are ignored: a node of a foreign name by its name alone, a persistent node named like a
 * candidate node (which nobody's session would ever remove) once the stat read with its data
 * shows it. So the checks cost nothing in a clean election: the names are checked in memory,
 * and the stat comes with the leader's data, which a follower reads anyway. Only a node that
 * sorts before the leader costs a read, once per holder of a {@code persistent} set, which
 * remembers it for as long as it is listed (a node is ephemeral or persistent for its whole
 * life, and a candidate never gets the name of a node that existed before it).
 */
final class CandidateNodes {

  /** {@code _c_<uuid>-latch-<sequence>}: Curator's protected name plus LeaderLatch's LOCK_NAME. */
  private static final Pattern NAME = Pattern.compile(
      "_c_\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{12}-"
          + ZooKeeperCandidate.LATCH_NAME + "-?\\d{10}");

  private CandidateNodes() {
  }

  /** Whether name is a candidate node's name. */
  static boolean isCandidateName(String name) {
    return NAME.matcher(name).matches();
  }

  /**
   * The children that may be candidates, sorted as {@code LeaderLatch} sorts them: named as
   * candidate nodes (or {@code own}, which may be null), and not in {@code persistent}. Drops
   * from {@code persistent} the names no longer listed.
   */
  static List<String> order(Collection<String> children, String own, Set<String> persistent) {
    if (!persistent.isEmpty()) {
      persistent.retainAll(new HashSet<>(children));
    }
    List<String> names = new ArrayList<>(children.size());
    for (String c : children) {
      if (c.equals(own) || (isCandidateName(c) && !persistent.contains(c))) {
        names.add(c);
      }
    }
    return ZooKeeperCandidate.sortLikeLeaderLatch(names);
  }

  /**
   * The identity in a candidate node's data: the text up to the first NUL, which is followed by
   * {@code priority=N} when the candidate's priority is not 0 ({@link OpenCandidate#encode});
   * null when empty.
   */
  static String identityOf(byte[] data) {
    return data == null || data.length == 0 ? null
        : OpenCandidate.identityOf(new String(data, StandardCharsets.UTF_8));
  }

  /**
   * The open candidate that a read of a candidate node (data and stat) shows: its identity and
   * priority; null for a persistent node or data that names nobody.
   */
  static OpenCandidate candidateOf(CuratorEvent event) {
    Stat stat = event.getStat();
    if (stat == null || stat.getEphemeralOwner() == 0 || event.getData() == null) {
      return null;
    }
    return OpenCandidate.decode(new String(event.getData(), StandardCharsets.UTF_8));
  }

  /** Whether a candidate node's data names {@code identity} (given as UTF-8 bytes). */
  static boolean isIdentity(byte[] data, byte[] identity) {
    String found = identityOf(data);
    return found != null && found.equals(new String(identity, StandardCharsets.UTF_8));
  }

  /** What {@link #first} found. */
  static final class First {
    static final First NONE = new First(null, false, null, 0);

    /** The node's name; null for {@link #NONE}. */
    final String name;
    /** The node disappeared between the listing and its read: look again. */
    final boolean vanished;
    /** The identity in the leader's node (null if empty); only for another candidate. */
    final String identity;
    /** The czxid of the leader's node; only for another candidate. */
    final long czxid;

    private First(String name, boolean vanished, String identity, long czxid) {
      this.name = name;
      this.vanished = vanished;
      this.identity = identity;
      this.czxid = czxid;
    }

    boolean isNone() {
      return name == null;
    }
  }

  /**
   * Finds the first live candidate of {@code ordered} (from {@link #order}): {@code own} as soon
   * as it comes (its node needs no read: the caller made it, ephemeral), else the first node
   * whose read shows an ephemeral owner. A persistent node is added to {@code persistent},
   * reported to {@code onPersistent} and skipped; a node gone by its read ends the search with
   * {@code vanished}, so that the caller lists the children again.
   *
   * @param read reads one child's data and stat, by name, completing with Curator's event
   * @return a stage completing with what was found, or exceptionally with the read's error
   */
  static CompletableFuture<First> first(List<String> ordered, String own, Set<String> persistent,
      Function<String, CompletableFuture<CuratorEvent>> read, Consumer<String> onPersistent) {
    return first(ordered, 0, own, persistent, read, onPersistent);
  }

  private static CompletableFuture<First> first(List<String> ordered, int from, String own,
      Set<String> persistent, Function<String, CompletableFuture<CuratorEvent>> read,
      Consumer<String> onPersistent) {
    if (from >= ordered.size()) {
      return CompletableFuture.completedFuture(First.NONE);
    }
    String name = ordered.get(from);
    if (name.equals(own)) {
      return CompletableFuture.completedFuture(new First(name, false, null, 0));
    }
    return read.apply(name).thenCompose(event -> {
      KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
      if (code == KeeperException.Code.NONODE) {
        return CompletableFuture.completedFuture(new First(name, true, null, 0));
      }
      if (code != KeeperException.Code.OK) {
        return CompletableFuture.failedFuture(KeeperException.create(code, event.getPath()));
      }
      Stat stat = event.getStat();
      if (stat == null || stat.getEphemeralOwner() == 0) {
        if (persistent.add(name)) {
          onPersistent.accept(name);
        }
        return first(ordered, from + 1, own, persistent, read, onPersistent);
      }
      byte[] bytes = event.getData();
      String identity = identityOf(bytes);
      return CompletableFuture.completedFuture(new First(name, false, identity,
          stat.getCzxid()));
    });
  }
}
