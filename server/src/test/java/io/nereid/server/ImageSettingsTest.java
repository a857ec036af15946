package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.nereid.image.RegistryConfig;
import io.nereid.image.RegistryCredentials;
import io.nereid.persistence.InvalidConfigException;
import io.nereid.persistence.NereidConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageSettingsTest {

  private static RegistryConfig read(String text) {
    return ImageSettings.fromConfig(NereidConfig.load(ConfigFactory.parseString(text)));
  }

  private static String rejection(String text) {
    return assertThrows(InvalidConfigException.class, () -> read(text)).getMessage();
  }

  @Test
  void defaultsPullAnonymouslyWithoutMirrors() {
    RegistryConfig config = read("");

    assertEquals(List.of(), config.dockerHubMirrors());
    assertEquals(Map.of(), config.credentials());
    assertEquals(Duration.ofSeconds(30), config.requestTimeout());
    assertFalse(config.isInsecure("registry.example:5000"));
  }

  @Test
  void mirrorsLoginsAndInsecureRegistriesRead() {
    RegistryConfig config =
        read(
            "nereid.images {\n"
                + "  mirrors = [\"http://127.0.0.1:5000\", \"https://mirror.example\"]\n"
                + "  insecure-registries = [\"registry.lan:5000\"]\n"
                + "  registries { \"registry.lan:5000\" { username = ci, password = \"s3cret\" } }\n"
                + "  request-timeout = 5s\n"
                + "}");

    assertEquals(
        List.of(URI.create("http://127.0.0.1:5000"), URI.create("https://mirror.example")),
        config.dockerHubMirrors());
    assertTrue(config.isInsecure("registry.lan:5000"));
    assertEquals(Map.of("registry.lan:5000", new RegistryCredentials("ci", "s3cret")), config.credentials());
    assertEquals(Duration.ofSeconds(5), config.requestTimeout());
  }

  @Test
  void mirrorWithoutSchemeRejected() {
    assertEquals(
        "invalid configuration: nereid.images.mirrors: expected an http or https URL of a registry without"
            + " credentials, such as https://mirror.example:5000, got \"mirror.example:5000\"",
        rejection("nereid.images.mirrors = [\"mirror.example:5000\"]"));
  }

  @Test
  void mirrorWithCredentialsRejected() {
    String message = rejection("nereid.images.mirrors = [\"https://user:pw@mirror.example\"]");

    assertTrue(message.startsWith("invalid configuration: nereid.images.mirrors: expected"), message);
  }

  @Test
  void loginWithoutPasswordRejected() {
    assertEquals(
        "invalid configuration: nereid.images.registries.\"registry.lan\".password: missing, or not a string",
        rejection("nereid.images.registries { \"registry.lan\" { username = ci } }"));
  }

  @Test
  void loginUnknownFieldRejected() {
    String message =
        rejection("nereid.images.registries { \"registry.lan\" { username = ci, password = x, token = y } }");

    assertEquals(
        "invalid configuration: nereid.images.registries.\"registry.lan\".token: unknown key; use username and"
            + " password",
        message);
  }

  @Test
  void invalidRegistryNameRejected() {
    assertEquals(
        "invalid configuration: nereid.images.insecure-registries: expected a registry host with an optional"
            + " port, such as registry.example:5000, got \"http://registry.lan\"",
        rejection("nereid.images.insecure-registries = [\"http://registry.lan\"]"));
  }
}
