package io.nereid.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferenceTest {

  private static final String HEX = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          busybox                          | docker.io | library/busybox  | latest | docker.io/library/busybox:latest
          busybox:1.36                     | docker.io | library/busybox  | 1.36   | docker.io/library/busybox:1.36
          user/app                         | docker.io | user/app         | latest | docker.io/user/app:latest
          docker.io/busybox                | docker.io | library/busybox  | latest | docker.io/library/busybox:latest
          index.docker.io/user/app:v2      | docker.io | user/app         | v2     | docker.io/user/app:v2
          host:5000/app:tag                | host:5000 | app              | tag    | host:5000/app:tag
          localhost/app                    | localhost | app              | latest | localhost/app:latest
          registry.example.com/a/b/c:1.0-rc| registry.example.com | a/b/c | 1.0-rc | registry.example.com/a/b/c:1.0-rc
          my_org/my-app__x.y               | docker.io | my_org/my-app__x.y | latest | docker.io/my_org/my-app__x.y:latest
          [::1]:5000/app                   | [::1]:5000 | app             | latest | [::1]:5000/app:latest
          """)
  void parsesTagReference(String text, String domain, String path, String tag, String normalized) {
    ImageReference reference = ImageReference.parse(text);

    assertEquals(domain, reference.domain());
    assertEquals(path, reference.path());
    assertEquals(tag, reference.tag());
    assertEquals(normalized, reference.toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          app@sha256:HEX                 | docker.io/library/app@sha256:HEX   |
          host:5000/app:v1@sha256:HEX    | host:5000/app:v1@sha256:HEX        | v1
          """)
  void parsesDigestReference(String text, String normalized, String tag) {
    ImageReference reference = ImageReference.parse(text.replace("HEX", HEX));

    assertEquals(normalized.replace("HEX", HEX), reference.toString());
    assertEquals("sha256:" + HEX, reference.manifestReference());
    assertEquals(tag, reference.tag());
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ''                         | it is empty
          Busybox                    | repository name must be lowercase
          user/App                   | repository name must be lowercase
          app:                       | tag '' must match
          app:-bad                   | tag '-bad' must match
          app@sha256:abc             | invalid sha256 digest
          app@md5:abc                | unsupported digest algorithm
          a//b                       | path component ''
          host:5000/                 | the repository name is empty
          """)
  void rejectsInvalidReference(String text, String reason) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(text));

    assertTrue(error.getMessage().contains(reason), error.getMessage());
  }
}
