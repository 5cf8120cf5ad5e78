package io.github.election.benchmarks;

import io.github.election.benchmarks.etcd.EtcdBench;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the benchmarks ran on: CPU, memory, OS, JVM, store versions, load. */
final class Machine {

  private Machine() {
  }

  static Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpu", cpuModel());
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("memoryMb", memoryMb());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    m.put("zookeeper", org.apache.zookeeper.Version.getFullVersion());
    m.put("etcd", EtcdBench.serverVersion());
    m.put("loadAverageAtStart", loadAverage());
    return m;
  }

  static String summary() {
    Map<String, Object> m = describe();
    return String.format(Locale.ROOT, "%s, %s cores, %s MB RAM, %s, %s; ZooKeeper %s, etcd %s",
        m.get("cpu"), m.get("cores"), m.get("memoryMb"), m.get("os"), m.get("java"),
        String.valueOf(m.get("zookeeper")).split(",")[0].split("-")[0], m.get("etcd"));
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String cpuModel() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
      for (String l : lines) {
        if (l.startsWith("model name")) {
          return l.substring(l.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }

  private static long memoryMb() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (l.startsWith("MemTotal:")) {
          return Long.parseLong(l.replaceAll("\\D+", "")) / 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return Runtime.getRuntime().maxMemory() / 1048576;
  }
}
