package io.nereid.scheduler.placement;

import static io.nereid.scheduler.placement.PlacementFixtures.GIB;
import static io.nereid.scheduler.placement.PlacementFixtures.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CapacityIndexTest {

  static Stream<Arguments> capacities() {
    return Stream.of(
        Arguments.of("zero", 0L, 0L),
        Arguments.of("small values are their own class", 63L, 63L),
        Arguments.of("seven bits lose the last", 65L, 64L),
        Arguments.of("16 GiB", 16 * GIB, 16 * GIB),
        Arguments.of("16.4 GiB joins 16 GiB", 16 * GIB + 400 * MIB, 16 * GIB),
        Arguments.of("16.5 GiB starts the next class", 16 * GIB + 512 * MIB, 16 * GIB + 512 * MIB),
        Arguments.of("17 GiB", 17 * GIB, 17 * GIB),
        Arguments.of("4000 millicores", 4000L, 3968L),
        Arguments.of("4095 millicores", 4095L, 4032L));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("capacities")
  void classFloorKeepsSixLeadingBits(String name, long capacity, long floor) {
    assertEquals(floor, CapacityIndex.classFloor(capacity));
  }
}
