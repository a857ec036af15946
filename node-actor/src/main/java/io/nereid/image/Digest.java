package io.nereid.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest in the OCI form {@code algorithm:hex}, such as {@code sha256:2c26b4...}.
 * Only sha256 and sha512 are accepted, the two algorithms the OCI image spec registers.
 */
public record Digest(String algorithm, String hex) {

  private static final Pattern SHA256_HEX = Pattern.compile("[a-f0-9]{64}");
  private static final Pattern SHA512_HEX = Pattern.compile("[a-f0-9]{128}");

  public Digest {
    Pattern hexPattern =
        switch (algorithm) {
          case "sha256" -> SHA256_HEX;
          case "sha512" -> SHA512_HEX;
          default -> throw new IllegalArgumentException(
              "unsupported digest algorithm '" + algorithm + "': expected sha256 or sha512");
        };
    if (!hexPattern.matcher(hex).matches()) {
      throw new IllegalArgumentException(
          "invalid " + algorithm + " digest '" + hex + "': expected lowercase hex of the full length");
    }
  }

  /** Parses {@code sha256:<64 hex>} or {@code sha512:<128 hex>}. */
  @JsonCreator
  public static Digest parse(String text) {
    int colon = text.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("invalid digest '" + text + "': expected algorithm:hex");
    }
    return new Digest(text.substring(0, colon), text.substring(colon + 1));
  }

  /** Returns the sha256 digest of {@code bytes}. */
  public static Digest sha256(byte[] bytes) {
    return fromSha256(newSha256().digest(bytes));
  }

  /** Wraps the output of a finished sha256 {@link MessageDigest}. */
  public static Digest fromSha256(byte[] digestBytes) {
    return new Digest("sha256", HexFormat.of().formatHex(digestBytes));
  }

  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }

  /** Returns a fresh {@link MessageDigest} for this digest's algorithm. */
  public MessageDigest newMessageDigest() {
    try {
      return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256 and SHA-512", e);
    }
  }

  /** Returns true if {@code digestBytes}, the output of {@link #newMessageDigest()}, match. */
  public boolean matches(byte[] digestBytes) {
    return HexFormat.of().formatHex(digestBytes).equals(hex);
  }

  @JsonValue
  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }
}
