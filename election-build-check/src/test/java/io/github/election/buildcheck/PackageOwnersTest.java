package io.github.election.buildcheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checker finds a planted duplicate, and reads packages and artifacts as Maven lays them out. */
class PackageOwnersTest {

  @Test
  void aPackageInTwoArtifactsIsNamedWithBoth() {
    Map<String, Set<String>> shared = PackageOwners.shared(Map.of(
        "election-etcd", Set.of("io.github.election.etcd", "io.github.election.etcd.testing"),
        "election-campaign", Set.of("io.github.election.campaign", "io.github.election.etcd"),
        "election-api", Set.of("io.github.election")));

    assertThat(PackageOwners.describe(shared)).containsExactly(
        "package io.github.election.etcd is in artifacts election-campaign and election-etcd");
  }

  @Test
  void packagesThatEachHaveOneOwnerAreFine() {
    assertThat(PackageOwners.shared(Map.of(
        "a", Set.of("x", "x.y"),
        "b", Set.of("x.z")))).isEmpty();
  }

  @Test
  void packagesOfAClassesDirectoryAndOfAJar(@TempDir Path dir) throws IOException {
    Path classes = dir.resolve("m/target/classes");
    Files.createDirectories(classes.resolve("p/q"));
    Files.write(classes.resolve("p/q/A.class"), new byte[0]);
    Files.write(classes.resolve("module-info.class"), new byte[0]);
    Files.write(classes.resolve("Unnamed.class"), new byte[0]);
    Path jar = dir.resolve("m/target/m-1.jar");
    try (OutputStream f = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(f)) {
      for (String name : new String[] {"r/B.class", "r/s/C.class",
          "META-INF/versions/11/r/t/D.class", "r/readme.txt"}) {
        out.putNextEntry(new JarEntry(name));
        out.closeEntry();
      }
    }

    assertThat(PackageOwners.packagesOf(classes)).containsExactly("p.q");
    assertThat(PackageOwners.packagesOf(jar)).containsExactly("r", "r.s");
  }

  @Test
  void artifactsOfClassPathEntries(@TempDir Path root) {
    assertThat(PackageOwners.artifactOf(root.resolve("election-etcd/target/classes"), root))
        .isEqualTo("election-etcd");
    assertThat(PackageOwners.artifactOf(
        root.resolve("election-etcd/target/election-etcd-0.1.0-SNAPSHOT.jar"), root))
        .isEqualTo("election-etcd");
    assertThat(PackageOwners.artifactOf(Path.of("/home/u/.m2/repository/io/github/election/"
        + "election-api/0.1.0-SNAPSHOT/election-api-0.1.0-SNAPSHOT.jar"), root))
        .isEqualTo("election-api");
    assertThat(PackageOwners.artifactOf(root.resolve("election-build-check/target/test-classes"),
        root)).isNull();
    assertThat(PackageOwners.artifactOf(Path.of("/home/u/.m2/repository/org/slf4j/slf4j-api/"
        + "2.0.20/slf4j-api-2.0.20.jar"), root)).isNull();
  }
}
