package io.nereid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.cluster.MemberStatus;
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

  @Test
  void majorityMissingOnCutOffMember() {
    List<String> three = List.of("a", "b", "c");

    assertEquals(Optional.empty(), MinorityDowning.majorityMissing(MemberStatus.up(), three, Set.of()));
    assertEquals(
        Optional.empty(), MinorityDowning.majorityMissing(MemberStatus.up(), three, Set.of("a", "x")));
    assertEquals(
        Optional.of("unreachable control members [b, c] of 3"),
        MinorityDowning.majorityMissing(MemberStatus.up(), three, Set.of("b", "c", "x")));
  }

  @Test
  void majorityMissingUnlessUpOrLeaving() {
    List<String> three = List.of("a", "b", "c");

    assertEquals(Optional.empty(), MinorityDowning.majorityMissing(MemberStatus.leaving(), three, Set.of()));
    assertEquals(
        Optional.of("member status Down"),
        MinorityDowning.majorityMissing(MemberStatus.down(), three, Set.of()));
    assertTrue(MinorityDowning.majorityMissing(MemberStatus.exiting(), three, Set.of()).isPresent());
    assertTrue(MinorityDowning.majorityMissing(MemberStatus.joining(), three, Set.of()).isPresent());
  }
}
