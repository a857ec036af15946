package io.nereid.scheduler.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class NodeViewTest {

  private static final String HEX_ID = "0123456789abcdef".repeat(4);

  private static PlacedContainer container(String id, long cpuMillis) {
    return new PlacedContainer(id, "name-" + id.substring(0, 4), Map.of(), new ResourceVector(cpuMillis, 0, 0));
  }

  private static Set<String> ids(NodeView node) {
    return node.containers().stream().map(PlacedContainer::id).collect(Collectors.toSet());
  }

  @Test
  void addAndRemoveLeaveOtherViewsUnchanged() {
    NodeView empty = NodeView.ready("n1", new ResourceVector(4000, 0, 0));
    NodeView withHexId = empty.withContainer(container(HEX_ID, 100));
    NodeView withBoth = withHexId.withContainer("web-1", container("web-1", 200));

    NodeView removed = withBoth.withoutContainer(HEX_ID);

    assertEquals(Set.of(HEX_ID, "web-1"), ids(withBoth));
    assertEquals(Set.of(HEX_ID), ids(withHexId));
    assertEquals(Set.of("web-1"), ids(removed));
    assertEquals(new ResourceVector(300, 0, 0), withBoth.reserved());
    assertEquals(new ResourceVector(200, 0, 0), removed.reserved());
    assertEquals(container(HEX_ID, 100), withBoth.container(HEX_ID).orElseThrow());
    assertTrue(removed.container(HEX_ID).isEmpty());
    assertSame(removed, removed.withoutContainer(HEX_ID));
  }

  @Test
  void containerUnderOtherIdRejected() {
    NodeView empty = NodeView.ready("n1", new ResourceVector(4000, 0, 0));

    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> empty.withContainer("other", container(HEX_ID, 100)));

    assertTrue(error.getMessage().startsWith("invalid container id other for"), error.getMessage());
  }
}
