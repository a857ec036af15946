package io.nereid.image;

/** A user name and password (or access token) for one registry. */
public record RegistryCredentials(String username, String password) {

  public RegistryCredentials {
    if (username == null || username.isEmpty() || password == null) {
      throw new IllegalArgumentException("registry credentials need a user name and a password");
    }
  }

  @Override
  public String toString() {
    return "RegistryCredentials[username=" + username + ", password=<hidden>]";
  }
}
