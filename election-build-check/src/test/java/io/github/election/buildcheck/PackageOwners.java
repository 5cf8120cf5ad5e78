package io.github.election.buildcheck;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Which artifact holds which Java packages, and which packages more than one artifact holds.
 * An artifact is looked at as Maven hands it to a module that depends on it: its classes
 * directory, or its jar once packaged.
 */
final class PackageOwners {

  private PackageOwners() {
  }

  /**
   * The packages that more than one artifact holds, each with those artifacts.
   *
   * @param packagesByArtifact each artifact's packages
   * @return package name to the artifacts that hold it, for packages held by two or more; empty
   *     when every package has one owner
   */
  static Map<String, Set<String>> shared(Map<String, Set<String>> packagesByArtifact) {
    Map<String, Set<String>> owners = new TreeMap<>();
    packagesByArtifact.forEach((artifact, packages) -> packages.forEach(p ->
        owners.computeIfAbsent(p, k -> new TreeSet<>()).add(artifact)));
    owners.values().removeIf(artifacts -> artifacts.size() < 2);
    return owners;
  }

  /** One line per shared package: {@code package p is in artifacts a and b}. */
  static List<String> describe(Map<String, Set<String>> shared) {
    List<String> out = new ArrayList<>();
    shared.forEach((p, artifacts) -> out.add("package " + p + " is in artifacts "
        + String.join(" and ", artifacts)));
    return out;
  }

  /**
   * The packages of the classes in a classes directory or a jar ({@code module-info} and the
   * unnamed package left out, as are {@code META-INF/versions}).
   */
  static Set<String> packagesOf(Path entry) {
    Set<String> out = new TreeSet<>();
    if (Files.isDirectory(entry)) {
      try (Stream<Path> files = Files.walk(entry)) {
        files.filter(f -> f.toString().endsWith(".class"))
            .map(f -> entry.relativize(f).toString().replace(File.separatorChar, '/'))
            .forEach(name -> addPackage(name, out));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + entry, e);
      }
    } else {
      try (JarFile jar = new JarFile(entry.toFile())) {
        for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
          String name = e.nextElement().getName();
          if (name.endsWith(".class")) {
            addPackage(name, out);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + entry, e);
      }
    }
    return out;
  }

  private static void addPackage(String classFile, Set<String> out) {
    int slash = classFile.lastIndexOf('/');
    if (slash < 0 || classFile.startsWith("META-INF/") || classFile.endsWith("module-info.class")) {
      return;
    }
    out.add(classFile.substring(0, slash).replace('/', '.'));
  }

  /**
   * The artifact of a class path entry of this build: {@code MODULE/target/classes} or {@code
   * MODULE/target/MODULE-VERSION.jar} under the project's root, or a jar in a Maven repository
   * under {@code io/github/election/ARTIFACT/VERSION/}; null for any other entry (third-party
   * libraries, this module's own test classes).
   */
  static String artifactOf(Path entry, Path root) {
    Path p = entry.toAbsolutePath().normalize();
    Path r = root.toAbsolutePath().normalize();
    if (p.startsWith(r) && p.getParent() != null
        && p.getParent().getFileName().toString().equals("target")) {
      boolean classes = p.getFileName().toString().equals("classes");
      boolean jar = p.getFileName().toString().endsWith(".jar");
      Path module = p.getParent().getParent();
      return (classes || jar) && module.getParent().equals(r)
          ? module.getFileName().toString() : null;
    }
    String s = p.toString().replace(File.separatorChar, '/');
    int at = s.indexOf("/io/github/election/");
    if (at >= 0 && s.endsWith(".jar")) {
      String[] rest = s.substring(at + "/io/github/election/".length()).split("/");
      return rest.length == 3 ? rest[0] : null;
    }
    return null;
  }
}
