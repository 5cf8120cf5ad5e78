package io.github.election.buildcheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * No package appears in two artifacts of this build: each artifact will be a Java module, and
 * two modules cannot hold one package; on the class path one would shadow the other's classes.
 */
class NoSplitPackagesTest {

  @Test
  @DisplayName("every package of the build's artifacts is in exactly one of them")
  void noPackageIsInTwoArtifacts() {
    Path root = Path.of(System.getProperty("build.check.root", ".."));
    Map<String, Set<String>> packages = new TreeMap<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      String artifact = PackageOwners.artifactOf(p, root);
      if (artifact != null && !artifact.equals(System.getProperty("build.check.self"))) {
        packages.merge(artifact, PackageOwners.packagesOf(p), (a, b) -> {
          a.addAll(b);
          return a;
        });
      }
    }
    List<String> expected = List.of(System.getProperty("build.check.expected", "").split(","));
    assertThat(packages.keySet()).as("artifacts found on the class path (of %s)",
        System.getProperty("java.class.path")).containsAll(expected);
    packages.forEach((artifact, held) ->
        assertThat(held).as("packages of %s", artifact).isNotEmpty());

    assertThat(PackageOwners.describe(PackageOwners.shared(packages)))
        .as("packages held by two artifacts").isEmpty();
  }
}
