package io.github.election.etcd.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A few calls of etcd's JSON gateway ({@code /health}, {@code /v3/kv/range}, {@code
 * /v3/lease/revoke}, and {@code /metrics}) over a plain socket of 127.0.0.1, one connection per
 * call: tooling looks at and acts on the store without a client library, so it starts no thread
 * of its own (the kit checks that none are left after a test). Plain HTTP only.
 */
public final class EtcdGateway {

  private static final Pattern COUNT = Pattern.compile("\"count\"\\s*:\\s*\"?(\\d+)\"?");
  private static final Pattern KV = Pattern.compile("\\{[^{}]*\"key\"\\s*:\\s*\"([^\"]*)\"[^{}]*\\}");
  private static final Pattern FIELD = Pattern.compile("\"(\\w+)\"\\s*:\\s*\"?([^\",}]*)\"?");

  /**
   * One key as the gateway shows it.
   *
   * @param key the key
   * @param value its value, as UTF-8
   * @param createRevision the revision that created it
   * @param lease the lease it is bound to, 0 for none
   */
  public record Kv(String key, String value, long createRevision, long lease) {
  }

  private EtcdGateway() {
  }

  /** Whether the member answers {@code GET /health} with {@code "health":"true"}. */
  public static boolean healthy(int port) {
    try {
      String body = call(port, "GET", "/health", null);
      return body.replace(" ", "").contains("\"health\":\"true\"");
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  /** How many keys start with {@code prefix}. */
  public static int count(int port, String prefix) {
    String body = call(port, "POST", "/v3/kv/range", "{\"key\":\"" + b64(prefix)
        + "\",\"range_end\":\"" + b64(prefixEnd(prefix)) + "\",\"count_only\":true}");
    Matcher m = COUNT.matcher(body);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  /** The keys under {@code prefix}, by create revision. */
  public static List<Kv> keys(int port, String prefix) {
    String body = call(port, "POST", "/v3/kv/range", "{\"key\":\"" + b64(prefix)
        + "\",\"range_end\":\"" + b64(prefixEnd(prefix))
        + "\",\"sort_order\":\"ASCEND\",\"sort_target\":\"CREATE\"}");
    List<Kv> out = new ArrayList<>();
    Matcher m = KV.matcher(body);
    while (m.find()) {
      String key = null;
      String value = "";
      long create = 0;
      long lease = 0;
      Matcher f = FIELD.matcher(m.group());
      while (f.find()) {
        switch (f.group(1)) {
          case "key" -> key = unb64(f.group(2));
          case "value" -> value = unb64(f.group(2));
          case "create_revision" -> create = Long.parseLong(f.group(2));
          case "lease" -> lease = Long.parseLong(f.group(2));
          default -> { }
        }
      }
      out.add(new Kv(key, value, create, lease));
    }
    return out;
  }

  /** Revokes a lease; true if etcd had it. */
  public static boolean revoke(int port, long leaseId) {
    String body = call(port, "POST", "/v3/lease/revoke", "{\"ID\":\"" + leaseId + "\"}");
    return !body.contains("lease not found");
  }

  /**
   * A counter of etcd's Prometheus metrics (on the member's metrics port), summed over its
   * label sets; 0 when etcd does not show it.
   */
  public static long metric(int metricsPort, String name) {
    long sum = 0;
    for (String line : call(metricsPort, "GET", "/metrics", null).split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
      }
    }
    return sum;
  }

  private static String call(int port, String method, String path, String json) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      byte[] payload = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
      String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
          + "\r\nConnection: close\r\n"
          + (json == null ? "" : "Content-Type: application/json\r\nContent-Length: "
              + payload.length + "\r\n")
          + "\r\n";
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(payload);
      out.flush();
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int split = response.indexOf("\r\n\r\n");
      if (split < 0) {
        throw new IOException("no HTTP answer from 127.0.0.1:" + port + path);
      }
      String headers = response.substring(0, split).toLowerCase(Locale.ROOT);
      String body = response.substring(split + 4);
      if (headers.contains("transfer-encoding: chunked")) {
        body = unchunk(body);
      }
      return body;
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " on 127.0.0.1:" + port + " failed", e);
    }
  }

  private static String unchunk(String body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < body.length()) {
      int eol = body.indexOf("\r\n", i);
      if (eol < 0) {
        break;
      }
      int size = Integer.parseInt(body.substring(i, eol).trim().split(";")[0], 16);
      if (size == 0) {
        break;
      }
      out.writeBytes(body.substring(eol + 2, eol + 2 + size).getBytes(StandardCharsets.UTF_8));
      i = eol + 2 + size + 2;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String unb64(String s) {
    return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
  }

  private static String prefixEnd(String prefix) {
    byte[] b = prefix.getBytes(StandardCharsets.UTF_8);
    for (int i = b.length - 1; i >= 0; i--) {
      if (b[i] != (byte) 0xff) {
        b[i]++;
        return new String(b, 0, i + 1, StandardCharsets.UTF_8);
      }
    }
    return "\0";
  }
}
