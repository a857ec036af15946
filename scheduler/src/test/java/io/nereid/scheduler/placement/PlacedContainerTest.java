package io.nereid.scheduler.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacedContainerTest {

  private static final String HEX_ID =
      "00f1e2d3c4b5a6978800112233445566778899aabbccddeeff0123456789abcd";

  @Test
  void hexIdFormatsAsGiven() {
    PlacedContainer container = new PlacedContainer(HEX_ID, "web", Map.of());

    assertEquals(HEX_ID, container.id());
  }

  @Test
  void hasIdMatchesOnlyEqualIds() {
    PlacedContainer container = new PlacedContainer(HEX_ID, "web", Map.of());

    assertTrue(container.hasId(HEX_ID));
    assertFalse(container.hasId(HEX_ID.substring(0, 63) + "e"));
    assertFalse(container.hasId(HEX_ID.toUpperCase()));
    assertFalse(container.hasId("web"));
  }

  @Test
  void otherIdsAreKeptAsGiven() {
    String upper = HEX_ID.toUpperCase();
    PlacedContainer short1 = new PlacedContainer("c1", "", Map.of());
    PlacedContainer upperCase = new PlacedContainer(upper, "", Map.of());

    assertEquals("c1", short1.id());
    assertTrue(short1.hasId("c1"));
    assertEquals(upper, upperCase.id());
    assertTrue(upperCase.hasId(upper));
    assertFalse(upperCase.hasId(HEX_ID));
  }

  @Test
  void equalityFollowsEveryField() {
    ResourceVector gib = new ResourceVector(0, 1L << 30, 0);
    PlacedContainer container = new PlacedContainer(HEX_ID, "web", Map.of("role", "db"), gib);

    assertEquals(container, new PlacedContainer(HEX_ID, "/web", Map.of("role", "db"), gib));
    assertEquals(
        container.hashCode(),
        new PlacedContainer(HEX_ID, "web", Map.of("role", "db"), gib).hashCode());
    assertNotEquals(container, new PlacedContainer(HEX_ID, "web", Map.of(), gib));
    assertNotEquals(container, new PlacedContainer("c1", "web", Map.of("role", "db"), gib));
  }
}
