package io.github.election.buildcheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * election-bom pins every published module of the build (a module of the root pom that makes a
 * javadoc jar, that is, not a tool), and its netty version is the build's.
 */
class BomTest {

  private static final Path ROOT = Path.of(System.getProperty("build.check.root", ".."));

  @Test
  @DisplayName("the BOM pins exactly the published modules, and the build's netty")
  void theBomPinsEveryPublishedModule() throws IOException {
    String root = Files.readString(ROOT.resolve("pom.xml"));
    String bom = Files.readString(ROOT.resolve("election-bom/pom.xml"));
    Set<String> published = new TreeSet<>();
    for (String module : all(root, "<module>([^<]+)</module>")) {
      Path pom = ROOT.resolve(module).resolve("pom.xml");
      String text = Files.readString(pom);
      if (module.equals("election-bom") || text.contains("<packaging>pom</packaging>")
          || text.contains("<maven.javadoc.skip>true</maven.javadoc.skip>")) {
        continue;
      }
      // the module's own artifactId: the first one after its parent's
      published.add(first(text.substring(text.indexOf("</parent>")),
          "<artifactId>([^<]+)</artifactId>"));
    }
    Set<String> pinned = new TreeSet<>(all(bom, "<artifactId>(election-[^<]+)</artifactId>"));
    pinned.remove("election-bom");
    assertThat(pinned).as("modules pinned by election-bom").isEqualTo(published);
    assertThat(first(bom, "<netty.version>([^<]+)</netty.version>"))
        .as("election-bom's netty.version").isEqualTo(first(root, "<netty.version>([^<]+)</netty.version>"));
  }

  private static Set<String> all(String text, String regex) {
    Set<String> out = new TreeSet<>();
    Matcher m = Pattern.compile(regex).matcher(text);
    while (m.find()) {
      out.add(m.group(1).trim());
    }
    return out;
  }

  private static String first(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? m.group(1) : null;
  }
}
