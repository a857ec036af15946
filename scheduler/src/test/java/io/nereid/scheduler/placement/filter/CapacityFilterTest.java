package io.nereid.scheduler.placement.filter;

import static io.nereid.scheduler.placement.PlacementFixtures.GIB;
import static io.nereid.scheduler.placement.PlacementFixtures.MIB;
import static io.nereid.scheduler.placement.PlacementFixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nereid.scheduler.placement.Dimension;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.PlacementFixtures;
import io.nereid.scheduler.placement.PlacementRequest;
import io.nereid.scheduler.placement.PoolSettings;
import io.nereid.scheduler.placement.Rejection;
import io.nereid.scheduler.placement.RejectionReason;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each row places a request onto one node with 4000 millicores, 16 GiB memory and 100 GiB disk. */
class CapacityFilterTest {

  private static final PoolSettings DEFAULTS = PoolSettings.defaults();

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "fits with room to spare",
            DEFAULTS,
            node("n").reserved(1000, 4, 10),
            request(1000, 4 * GIB, 10 * GIB),
            null,
            null),
        Arguments.of(
            "fits exactly: 12 GiB reserved + 4 GiB = 16 GiB",
            DEFAULTS,
            node("n").reserved(0, 12, 0),
            request(0, 4 * GIB, 0),
            null,
            null),
        Arguments.of(
            "memory short by one byte",
            DEFAULTS,
            node("n").reserved(0, 12, 0),
            request(0, 4 * GIB + 1, 0),
            RejectionReason.MEMORY_EXHAUSTED,
            "requested 4.00 GiB, 4 GiB free of 16 GiB"),
        Arguments.of(
            "cpu short: 3500 + 600 > 4000",
            DEFAULTS,
            node("n").reserved(3500, 0, 0),
            request(600, GIB, 0),
            RejectionReason.CPU_EXHAUSTED,
            "requested 600 millicores, 500 millicores free of 4000 millicores"),
        Arguments.of(
            "disk short",
            DEFAULTS,
            node("n").reserved(0, 0, 95),
            request(0, GIB, 10 * GIB),
            RejectionReason.DISK_EXHAUSTED,
            "requested 10 GiB, 5 GiB free of 100 GiB"),
        Arguments.of(
            "memory named first when every dimension is short",
            DEFAULTS,
            node("n").reserved(4000, 16, 100),
            request(1, 1, 1),
            RejectionReason.MEMORY_EXHAUSTED,
            "requested 1 byte, 0 bytes free of 16 GiB"),
        Arguments.of(
            "memory overcommit 1.5: 16 GiB counts as 24, 20 reserved + 4 fits",
            DEFAULTS.withOvercommit(Dimension.MEMORY, 1.5),
            node("n").reserved(0, 20, 0),
            request(0, 4 * GIB, 0),
            null,
            null),
        Arguments.of(
            "memory overcommit 1.5: 20 reserved + 5 does not fit",
            DEFAULTS.withOvercommit(Dimension.MEMORY, 1.5),
            node("n").reserved(0, 20, 0),
            request(0, 5 * GIB, 0),
            RejectionReason.MEMORY_EXHAUSTED,
            "requested 5 GiB, 4 GiB free of 24 GiB (16 GiB at overcommit 1.50)"),
        Arguments.of(
            "cpu overcommit 4: 4000 millicores count as 16000",
            DEFAULTS.withOvercommit(Dimension.CPU, 4.0),
            node("n").reserved(15000, 0, 0),
            request(1000, GIB, 0),
            null,
            null),
        Arguments.of(
            "ratio below 1 keeps headroom: 16 GiB at 0.75 is 12 GiB",
            DEFAULTS.withOvercommit(Dimension.MEMORY, 0.75),
            node("n").reserved(0, 10, 0),
            request(0, 3 * GIB, 0),
            RejectionReason.MEMORY_EXHAUSTED,
            "requested 3 GiB, 2 GiB free of 12 GiB (16 GiB at overcommit 0.75)"),
        Arguments.of(
            "no memory limit counts the 256 MiB default",
            DEFAULTS,
            node("n").reservedBytes(0, 16 * GIB - 255 * MIB, 0),
            unlimitedMemory(),
            RejectionReason.MEMORY_EXHAUSTED,
            "requested 256 MiB, 255 MiB free of 16 GiB"),
        Arguments.of(
            "no memory limit with a 0 default asks for no memory",
            DEFAULTS.withDefaultMemoryRequestBytes(0),
            node("n").reserved(0, 16, 0),
            unlimitedMemory(),
            null,
            null),
        Arguments.of(
            "no cpu requested passes on an over-reserved cpu",
            DEFAULTS,
            node("n").reserved(5000, 0, 0),
            request(0, GIB, 0),
            null,
            null),
        Arguments.of(
            "over-reserved memory shows negative free",
            DEFAULTS,
            node("n").reserved(0, 17, 0),
            request(0, GIB, 0),
            RejectionReason.MEMORY_EXHAUSTED,
            "requested 1 GiB, -1 GiB free of 16 GiB"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void checksEveryDimension(
      String name,
      PoolSettings settings,
      PlacementFixtures.NodeBuilder nodeBuilder,
      PlacementRequest request,
      RejectionReason expectedReason,
      String expectedDetail) {
    NodeView node = nodeBuilder.build();
    PlacementContext context = PlacementFixtures.context(request, settings, node);

    Optional<Rejection> rejection = new CapacityFilter().check(node, context);

    if (expectedReason == null) {
      assertEquals(Optional.empty(), rejection);
    } else {
      assertEquals(expectedReason, rejection.orElseThrow().reason());
      assertEquals("", rejection.orElseThrow().subject());
      assertEquals(expectedDetail, rejection.orElseThrow().detail());
    }
  }

  private static PlacementRequest request(long cpuMillis, long memoryBytes, long diskBytes) {
    return PlacementRequest.builder("c1")
        .cpuMillis(cpuMillis)
        .memoryBytes(memoryBytes)
        .diskBytes(diskBytes)
        .build();
  }

  private static PlacementRequest unlimitedMemory() {
    return PlacementRequest.builder("c1").build();
  }
}
