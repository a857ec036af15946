package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MinorityDowningTest {

  private static final List<String> SIX = List.of("a", "b", "c", "d", "e", "f");

  @Test
  void majorityKeepsRunning() {
    assertFalse(MinorityDowning.inMinority(SIX, Set.of("f")));
    assertFalse(MinorityDowning.inMinority(SIX, Set.of("a", "b")));
  }

  @Test
  void minorityDownsItself() {
    assertTrue(MinorityDowning.inMinority(SIX, Set.of("a", "b", "c", "d")));
    assertTrue(MinorityDowning.inMinority(SIX, Set.of("b", "c", "d", "e", "f")));
  }

  @Test
  void halfWithLowestAddressSurvives() {
    assertFalse(MinorityDowning.inMinority(SIX, Set.of("d", "e", "f")));
    assertTrue(MinorityDowning.inMinority(SIX, Set.of("a", "b", "c")));
  }

  @Test
  void singleMemberKeepsRunning() {
    assertFalse(MinorityDowning.inMinority(List.of("a"), Set.of()));
    assertFalse(MinorityDowning.inMinority(List.of(), Set.of()));
  }
}
