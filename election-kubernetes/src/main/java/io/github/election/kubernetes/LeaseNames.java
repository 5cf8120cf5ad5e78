package io.github.election.kubernetes;

import java.util.regex.Pattern;

/** The naming rules of the API server that the backend checks before any request. */
final class LeaseNames {

  /** A DNS-1123 subdomain: what the API server accepts as the name of a Lease. */
  private static final Pattern SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  /** A DNS-1123 label: what the API server accepts as the name of a namespace. */
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  static final int MAX_SUBDOMAIN = 253;
  static final int MAX_LABEL = 63;

  static final String SUBDOMAIN_RULE = "a DNS-1123 subdomain: lower-case letters, digits, '-' "
      + "and '.', starting and ending with a letter or digit, at most " + MAX_SUBDOMAIN
      + " characters";
  static final String LABEL_RULE = "a DNS-1123 label: lower-case letters, digits and '-', "
      + "starting and ending with a letter or digit, at most " + MAX_LABEL + " characters";

  private LeaseNames() {
  }

  static boolean isSubdomain(String s) {
    return s.length() <= MAX_SUBDOMAIN && SUBDOMAIN.matcher(s).matches();
  }

  static boolean isLabel(String s) {
    return s.length() <= MAX_LABEL && LABEL.matcher(s).matches();
  }

  /** The Lease name of an election: the name itself, or {@code prefix-name}. */
  static String leaseName(String prefix, String election) {
    return prefix.isEmpty() ? election : prefix + "-" + election;
  }
}
