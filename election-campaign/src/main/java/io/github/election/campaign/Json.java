package io.github.election.campaign;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The flat JSON of the history lines: one object per line whose values are strings, whole
 * numbers, booleans or null. Enough for what the candidates print; not a general parser.
 */
final class Json {

  private Json() {
  }

  static String write(Map<String, ?> fields) {
    StringBuilder out = new StringBuilder(128).append('{');
    boolean first = true;
    for (Map.Entry<String, ?> e : fields.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      quote(out, e.getKey());
      out.append(':');
      Object v = e.getValue();
      if (v == null || v instanceof Number || v instanceof Boolean) {
        out.append(v);
      } else {
        quote(out, v.toString());
      }
    }
    return out.append('}').toString();
  }

  private static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }

  /**
   * Reads one flat object.
   *
   * @throws IllegalArgumentException if the text is not one
   */
  static Map<String, Object> read(String text) {
    return new Reader(text).object();
  }

  private static final class Reader {
    private final String s;
    private int i;

    Reader(String s) {
      this.s = s;
    }

    Map<String, Object> object() {
      Map<String, Object> out = new LinkedHashMap<>();
      skip();
      expect('{');
      skip();
      if (peek() == '}') {
        i++;
        return end(out);
      }
      for (;;) {
        skip();
        String key = string();
        skip();
        expect(':');
        skip();
        out.put(key, value());
        skip();
        char c = next();
        if (c == '}') {
          return end(out);
        }
        if (c != ',') {
          throw fail("',' or '}'");
        }
      }
    }

    private Map<String, Object> end(Map<String, Object> out) {
      skip();
      if (i != s.length()) {
        throw fail("end of line");
      }
      return out;
    }

    private Object value() {
      char c = peek();
      if (c == '"') {
        return string();
      }
      if (s.startsWith("null", i)) {
        i += 4;
        return null;
      }
      if (s.startsWith("true", i)) {
        i += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("false", i)) {
        i += 5;
        return Boolean.FALSE;
      }
      int start = i;
      if (c == '-') {
        i++;
      }
      while (i < s.length() && Character.isDigit(s.charAt(i))) {
        i++;
      }
      if (i == start || (i == start + 1 && c == '-')) {
        throw fail("a value");
      }
      return Long.parseLong(s.substring(start, i));
    }

    private String string() {
      expect('"');
      StringBuilder out = new StringBuilder();
      for (;;) {
        char c = next();
        if (c == '"') {
          return out.toString();
        }
        if (c != '\\') {
          out.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case 'n':
            out.append('\n');
            break;
          case 'r':
            out.append('\r');
            break;
          case 't':
            out.append('\t');
            break;
          case 'u':
            if (i + 4 > s.length()) {
              throw fail("four hex digits");
            }
            out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
            break;
          default:
            out.append(e);
        }
      }
    }

    private void skip() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    private char peek() {
      if (i >= s.length()) {
        throw fail("more");
      }
      return s.charAt(i);
    }

    private char next() {
      char c = peek();
      i++;
      return c;
    }

    private void expect(char c) {
      if (next() != c) {
        throw fail("'" + c + "'");
      }
    }

    private IllegalArgumentException fail(String expected) {
      return new IllegalArgumentException("not a flat JSON object: expected " + expected
          + " at " + i + " in: " + s);
    }
  }
}
