package io.github.election.benchmarks;

import java.util.Collection;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** Writes maps, lists, strings, numbers and booleans as JSON (NaN and infinities as null). */
final class Json {

  private Json() {
  }

  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out, 0);
    return out.append('\n').toString();
  }

  private static void write(Object v, StringBuilder out, int indent) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof String s) {
      string(s, out);
    } else if (v instanceof Boolean b) {
      out.append(b);
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        out.append("null");
      } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        out.append((long) d);
      } else {
        out.append(String.format(Locale.ROOT, "%.6g", d).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2")
            .replace(".e", "e").replaceAll("\\.$", ""));
      }
    } else if (v instanceof Number n) {
      out.append(n.longValue());
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append("{\n");
      Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        pad(out, indent + 1);
        string(String.valueOf(e.getKey()), out);
        out.append(": ");
        write(e.getValue(), out, indent + 1);
        out.append(it.hasNext() ? ",\n" : "\n");
      }
      pad(out, indent);
      out.append('}');
    } else if (v instanceof Collection<?> c) {
      boolean flat = c.stream().allMatch(x -> x instanceof Number || x instanceof String
          || x instanceof Boolean || x == null);
      if (c.isEmpty() || flat) {
        out.append('[');
        Iterator<?> it = c.iterator();
        while (it.hasNext()) {
          write(it.next(), out, indent);
          if (it.hasNext()) {
            out.append(", ");
          }
        }
        out.append(']');
        return;
      }
      out.append("[\n");
      Iterator<?> it = c.iterator();
      while (it.hasNext()) {
        pad(out, indent + 1);
        write(it.next(), out, indent + 1);
        out.append(it.hasNext() ? ",\n" : "\n");
      }
      pad(out, indent);
      out.append(']');
    } else {
      string(v.toString(), out);
    }
  }

  private static void pad(StringBuilder out, int indent) {
    out.append("  ".repeat(indent));
  }

  private static void string(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
