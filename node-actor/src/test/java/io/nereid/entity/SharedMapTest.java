package io.nereid.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedMapTest {

  @Test
  void updatesLeaveOriginalUnchanged() {
    SharedMap<String, Integer> empty = SharedMap.of();
    SharedMap<String, Integer> single = empty.with("a", 1);
    SharedMap<String, Integer> two = single.with("b", 2);
    SharedMap<String, Integer> replaced = two.with("a", 10);
    SharedMap<String, Integer> removed = replaced.without("b");

    assertEquals(Map.of(), empty);
    assertEquals(Map.of("a", 1), single);
    assertEquals(Map.of("a", 1, "b", 2), two);
    assertEquals(Map.of("a", 10, "b", 2), replaced);
    assertEquals(Map.of("a", 10), removed);
    assertEquals(Map.of("a", 1, "b", 2).hashCode(), two.hashCode());
    assertSame(removed, removed.without("missing"), "removing a missing key keeps the map");
  }

  @Test
  void readsLikeAnyMap() {
    Map<String, Integer> expected = new HashMap<>();
    SharedMap<String, Integer> map = SharedMap.of();
    for (int i = 0; i < 1000; i++) {
      expected.put("k" + i, i);
      map = map.with("k" + i, i);
    }

    assertEquals(1000, map.size());
    assertEquals(expected, map);
    assertEquals(expected.entrySet(), map.entrySet());
    assertEquals(1000, map.values().size());
    assertEquals(new HashSet<>(expected.values()), new HashSet<>(map.values()));
    assertEquals(500, map.get("k500"));
    assertNull(map.get("k1000"));
    assertNull(map.get(42), "a key of another type is absent");
    assertTrue(map.containsKey("k999"));
    assertFalse(map.containsKey(null));
  }

  @Test
  void copyOfKeepsSharedMap() {
    SharedMap<String, Integer> map = SharedMap.<String, Integer>of().with("a", 1);

    assertSame(map, SharedMap.copyOf(map));
    assertEquals(map, SharedMap.copyOf(Map.of("a", 1)));
    assertEquals(Map.of("a", 1, "b", 2), SharedMap.with(Map.of("a", 1), "b", 2));
    assertEquals(Map.of(), SharedMap.without(Map.of("a", 1), "a"));
  }

  @Test
  void rejectsNullsAndMapChanges() {
    SharedMap<String, Integer> map = SharedMap.<String, Integer>of().with("a", 1);

    assertThrows(NullPointerException.class, () -> map.with(null, 1));
    assertThrows(NullPointerException.class, () -> map.with("b", null));
    assertThrows(UnsupportedOperationException.class, () -> map.put("b", 2));
    assertThrows(UnsupportedOperationException.class, () -> map.remove("a"));
    assertThrows(UnsupportedOperationException.class, () -> map.entrySet().iterator().next().setValue(3));
    assertThrows(UnsupportedOperationException.class, () -> map.values().clear());
  }

  @Test
  void serializesAsPlainMap() throws Exception {
    SharedMap<String, Integer> map = SharedMap.<String, Integer>of().with("a", 1).with("b", 2);

    for (ObjectMapper mapper : new ObjectMapper[] {new ObjectMapper(), new CBORMapper()}) {
      byte[] bytes = mapper.writeValueAsBytes(map);
      assertEquals(Map.of("a", 1, "b", 2), mapper.readValue(bytes, new TypeReference<Map<String, Integer>>() {}));
    }
  }
}
