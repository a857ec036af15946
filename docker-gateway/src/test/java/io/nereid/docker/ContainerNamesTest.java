package io.nereid.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContainerNamesTest {

  private final ContainerNames names = new ContainerNames(new SecureRandom());

  @Test
  void firstAttemptIsAdjectiveAndSurname() {
    for (int i = 0; i < 1000; i++) {
      String name = names.generate(0);

      assertTrue(name.matches("[a-z]+_[a-z]+"), name);
      assertTrue(ContainerService.NAME.matcher(name).matches(), name);
    }
  }

  @Test
  void retriesAppendOneDigit() {
    for (int attempt = 1; attempt < 6; attempt++) {
      for (int i = 0; i < 200; i++) {
        String name = names.generate(attempt);

        assertTrue(name.matches("[a-z]+_[a-z]+[0-9]"), name);
        assertTrue(ContainerService.NAME.matcher(name).matches(), name);
      }
    }
  }

  @Test
  void namesDifferAcrossCalls() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      seen.add(names.generate(0));
    }

    // 100 draws from 93 * 93 = 8,649 names give about 0.6 repeated pairs on average.
    assertTrue(seen.size() > 90, "only " + seen.size() + " distinct names in 100: " + seen);
  }

  @Test
  void sameSeedGivesSameNames() {
    ContainerNames first = new ContainerNames(new Random(42));
    ContainerNames second = new ContainerNames(new Random(42));

    for (int attempt = 0; attempt < 3; attempt++) {
      assertEquals(first.generate(attempt), second.generate(attempt));
    }
  }
}
